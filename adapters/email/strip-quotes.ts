/** A plain-text e-mail body split into what the sender wrote, the history they quoted and their signature. */
export interface StrippedBody {
  /** What the sender wrote in this message. */
  text: string;
  /** The quoted history (attribution line onwards, and `>` lines), when there was one. */
  quoted?: string;
  /** The signature block, when one was recognised. */
  signature?: string;
}

// Attribution lines clients put above the quoted message. English: Gmail / Apple Mail / Thunderbird
// "On <date>, <name> wrote:"; Turkish Gmail "<date> tarihinde <name> şunu yazdı:", and the shorter
// forms other Turkish clients use. They may wrap onto a second line, so two lines are tried joined.
const ATTRIBUTION = [/^on\s.{1,300}\swrote:\s*$/i, /^.{1,300}\starihinde\s.{0,300}\b(şunu\s)?yazdı:\s*$/iu];
// Outlook-style separators and header blocks (English and Turkish Outlook).
const SEPARATOR = /^-{2,}\s*(original message|forwarded message|orijinal ileti|özgün ileti|orijinal mesaj|iletilen ileti|yönlendirilen ileti)\s*-{2,}\s*$/iu;
const UNDERSCORES = /^_{10,}\s*$/;
const HEADER_FROM = /^\*?(from|kimden|gönderen)\s*:\s*\S/iu;
const HEADER_NEXT = /^\*?(sent|date|to|subject|cc|gönderildi|gönderilme|tarih|kime|konu|bilgi)\s*:/iu;
// Signatures: the RFC 3676 delimiter, mobile footers, and a closing formula with a short block after it.
const SIGNATURE_DELIMITER = /^--\s?$/;
const MOBILE_FOOTER = /^(sent from my .{1,40}|sent from (outlook|mail) for .{1,30}|get outlook for .{1,30}|iphone['’]umdan gönderildi|ipad['’]imden gönderildi|.{1,40} cihazımdan gönderildi|.{1,30} için outlook['’]u edinin|android için outlook['’]u edinin)\s*$/iu;
const CLOSING = /^(best regards|kind regards|warm regards|regards|best|thanks|thank you|many thanks|cheers|sincerely|yours|saygılarımla|saygılar|iyi çalışmalar|teşekkürler|teşekkür ederim|sevgiler|selamlar|esenlikler)[,.!]?\s*$/iu;
/** At most this many short lines may follow a closing formula for it to count as a signature. */
const CLOSING_TAIL_LINES = 5;

function attributionAt(lines: string[], index: number): boolean {
  const line = lines[index]!.trim();
  if (!line) return false;
  if (ATTRIBUTION.some((pattern) => pattern.test(line))) return true;
  const next = lines[index + 1]?.trim();
  if (!next) return false;
  const joined = `${line} ${next}`;
  return /^on\s/i.test(line) || /tarihinde/iu.test(joined) ? ATTRIBUTION.some((pattern) => pattern.test(joined)) : false;
}

function outlookHeaderAt(lines: string[], index: number): boolean {
  const line = lines[index]!.trim();
  if (SEPARATOR.test(line)) return true;
  const fromIndex = UNDERSCORES.test(line) ? index + 1 : index;
  if (!HEADER_FROM.test(lines[fromIndex]?.trim() ?? '')) return false;
  return lines.slice(fromIndex + 1, fromIndex + 4).some((next) => HEADER_NEXT.test(next.trim()));
}

function trimBlankEnds(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && !lines[start]!.trim()) start++;
  while (end > start && !lines[end - 1]!.trim()) end--;
  return lines.slice(start, end);
}

function splitSignature(lines: string[]): { body: string[]; signature?: string[] } {
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (SIGNATURE_DELIMITER.test(line) || MOBILE_FOOTER.test(line.trim())) {
      return { body: lines.slice(0, index), signature: lines.slice(index) };
    }
  }
  // A closing formula near the end, followed only by a few short lines (name, title, phone).
  for (let index = Math.max(1, lines.length - CLOSING_TAIL_LINES - 1); index < lines.length; index++) {
    if (!CLOSING.test(lines[index]!.trim())) continue;
    const tail = lines.slice(index + 1).filter((line) => line.trim());
    if (tail.length <= CLOSING_TAIL_LINES && tail.every((line) => line.trim().length <= 60)) {
      return { body: lines.slice(0, index), signature: lines.slice(index) };
    }
  }
  return { body: lines };
}

/**
 * Splits a plain-text e-mail body into the new text, the quoted history and the signature.
 * Recognises English and Turkish attribution lines ("On … wrote:", "… tarihinde … şunu yazdı:"),
 * Outlook separators and header blocks (From/Sent, Kimden/Gönderildi), `>` quotes, the `-- `
 * delimiter, mobile footers and a closing formula ("Best regards," / "Saygılarımla,") with a short
 * block after it. When stripping would leave nothing, the whole body is kept as the text.
 */
export function stripQuotedText(body: string): StrippedBody {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let index = 0; index < lines.length; index++) {
    if (attributionAt(lines, index) || outlookHeaderAt(lines, index)) {
      cut = index;
      break;
    }
  }
  const own = lines.slice(0, cut);
  const quotedLines = [...lines.slice(cut)];
  // Interleaved `>` lines are quotes too; a trailing block of them is the usual bottom quote.
  const unquoted = own.filter((line) => !/^\s*>/.test(line));
  if (unquoted.length !== own.length && cut === lines.length) quotedLines.unshift(...own.filter((line) => /^\s*>/.test(line)));
  const { body: written, signature } = splitSignature(trimBlankEnds(unquoted));
  const text = trimBlankEnds(written).join('\n');
  if (!text.trim()) {
    const whole = trimBlankEnds(lines).join('\n');
    return { text: whole };
  }
  const quoted = trimBlankEnds(quotedLines).join('\n');
  const signatureText = signature ? trimBlankEnds(signature).join('\n') : '';
  return { text, ...(quoted ? { quoted } : {}), ...(signatureText ? { signature: signatureText } : {}) };
}
