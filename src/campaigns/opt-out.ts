/**
 * Opt-out words: a customer who answers a campaign with "STOP" (or "DUR", "iptal", "abonelikten
 * çık" ...) withdraws their marketing consent, and is told so once.
 *
 * @internal
 * @module
 */

/** Whole-message opt-out words, English and Turkish, compared after {@link normalizeOptOut}. */
export const DEFAULT_OPT_OUT_WORDS: Record<'en' | 'tr', readonly string[]> = {
  en: ['stop', 'stop all', 'unsubscribe', 'opt out', 'optout', 'cancel', 'end', 'quit', 'stop promotions', 'no more messages'],
  tr: ['dur', 'durdur', 'iptal', 'abonelikten çık', 'aboneliği iptal et', 'istemiyorum', 'mesaj istemiyorum', 'ret', 'red'],
};

/** What the customer is told, once, in the language of the word they used. */
export const DEFAULT_OPT_OUT_CONFIRMATIONS: Record<'en' | 'tr', string> = {
  en: 'You will no longer receive marketing messages from us. You can still write to us here at any time.',
  tr: 'Artık size kampanya mesajı göndermeyeceğiz. Bize buradan istediğiniz zaman yazabilirsiniz.',
};

const ASCII_FOLD: Record<string, string> = { ç: 'c', ğ: 'g', ı: 'i', ö: 'o', ş: 's', ü: 'u' };

/**
 * Lower case, Turkish letters folded to ASCII (so `İPTAL`, `iptal` and `IPTAL` agree, and a customer
 * typing `abonelikten cik` without Turkish letters still matches), punctuation and emoji dropped,
 * spaces collapsed.
 */
export function normalizeOptOut(text: string): string {
  return text
    .normalize('NFC')
    .replace(/İ/g, 'i')
    .toLowerCase()
    .replace(/[çğıöşü]/g, (letter) => ASCII_FOLD[letter]!)
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The language of the opt-out word `text` is, or `undefined` when it is not one. */
export function matchOptOut(text: string, words: Record<string, readonly string[]>): string | undefined {
  const normalized = normalizeOptOut(text);
  if (!normalized || normalized.length > 40) return undefined;
  for (const [language, list] of Object.entries(words)) {
    if (list.some((word) => normalizeOptOut(word) === normalized)) return language;
  }
  return undefined;
}
