/** A mailbox from a header such as `Dana Ruiz <dana@customer.example>` or `dana@customer.example`. */
export interface Mailbox {
  /** Lower-cased address. */
  address: string;
  name?: string;
}

const ADDRESS = /[^\s<>"(),;:@]+@[^\s<>"(),;:@]+\.[^\s<>"(),;:@]+/;

/** Strips RFC 2047-free display-name quoting: `"Ruiz, Dana"` → `Ruiz, Dana`. */
function cleanName(name: string): string | undefined {
  const trimmed = name.trim().replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1').trim();
  return trimmed ? trimmed : undefined;
}

/** Splits an address list on commas that are outside quotes and angle brackets. */
function splitList(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '<') angle++;
    else if (!quoted && char === '>') angle = Math.max(0, angle - 1);
    if (char === ',' && !quoted && angle === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

/** The first mailbox of a header value, or `undefined` when it holds no address. */
export function parseMailbox(value: string | undefined): Mailbox | undefined {
  return value === undefined ? undefined : parseMailboxList(value)[0];
}

/** Every mailbox of an address-list header (`To`, `Cc`). */
export function parseMailboxList(value: string): Mailbox[] {
  const mailboxes: Mailbox[] = [];
  for (const part of splitList(value)) {
    const angled = /^(.*)<([^<>]+)>\s*$/s.exec(part);
    const address = (angled ? angled[2]! : part).trim().match(ADDRESS)?.[0];
    if (!address) continue;
    const name = angled ? cleanName(angled[1]!) : undefined;
    mailboxes.push({ address: address.toLowerCase(), ...(name ? { name } : {}) });
  }
  return mailboxes;
}

/** Formats a mailbox for a header, quoting the name when it has specials. */
export function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  const name = /[",.;:<>@()[\]\\]/.test(mailbox.name) ? `"${mailbox.name.replace(/(["\\])/g, '\\$1')}"` : mailbox.name;
  return `${name} <${mailbox.address}>`;
}

/** Message ids of a `Message-Id`, `In-Reply-To` or `References` header, without angle brackets, in order. */
export function parseMessageIds(value: string | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((match) => match[1]!);
  if (bracketed.length) return bracketed;
  // Some senders drop the brackets: take whitespace-separated tokens that look like ids.
  return value.split(/\s+/).filter((token) => /^[^\s@]+@[^\s@]+$/.test(token));
}

/** A message id as it goes into a header. */
export function bracket(id: string): string {
  return `<${id}>`;
}

/** Prefixes of a subject that already marks a reply: English `Re:`, Turkish Outlook `YNT:`, and the German/Nordic ones clients keep. */
const REPLY_PREFIX = /^\s*(re|ynt|aw|sv|vs|antw)\s*(\[\d+\])?\s*:/i;

/** The subject of a reply: the original's, with `Re: ` in front unless it already has a reply prefix. */
export function replySubject(subject: string | undefined): string {
  const original = (subject ?? '').trim();
  if (!original) return 'Re:';
  return REPLY_PREFIX.test(original) ? original : `Re: ${original}`;
}
