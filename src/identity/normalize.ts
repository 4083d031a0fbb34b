/**
 * Normalisers for the identifiers people leave on networks: emails, phone numbers, handles,
 * person names and URLs. None of them throws: input that cannot be normalised comes back
 * with `valid: false` and a best-effort `value`, which callers keep as weak evidence.
 *
 * @module
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** A normalised identifier. */
export interface NormalizedValue {
  /** The canonical form used for comparison and blocking; empty when nothing was left. */
  value: string;
  /** False when the input did not parse as what it claims to be (kept as weak evidence). */
  valid: boolean;
}

/** Providers that ignore dots in the local part of an address. */
const DOT_INSENSITIVE_DOMAINS = new Set(['gmail.com']);
/** Providers that deliver `local+tag@domain` to `local@domain`. */
const PLUS_TAG_DOMAINS = new Set([
  'gmail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'icloud.com',
  'me.com',
  'fastmail.com',
  'proton.me',
  'protonmail.com',
  'yandex.com',
  'yandex.ru',
]);
const DOMAIN_ALIASES: Record<string, string> = { 'googlemail.com': 'gmail.com' };

/**
 * Lower-cases and converts a host name to its ASCII (punycode) form. `null` when the
 * text is not a host name.
 */
export function normalizeDomain(domain: string): string | null {
  const trimmed = domain.trim().replace(/\.$/, '').toLowerCase();
  if (!trimmed || /[\s/@?#]/.test(trimmed)) return null;
  try {
    const host = new URL(`http://${trimmed}`).hostname;
    if (!host.includes('.')) return null;
    return host.startsWith('www.') ? host.slice(4) : host;
  } catch {
    return null;
  }
}

/**
 * Canonical form of an email address for comparison: lower case, IDN domains in punycode,
 * `googlemail.com` as `gmail.com`, dots dropped from Gmail local parts and `+tags` dropped
 * where the provider ignores them.
 *
 * @example normalizeEmail(' John.Doe+crm@GoogleMail.com ').value === 'johndoe@gmail.com'
 */
export function normalizeEmail(email: string | undefined | null): NormalizedValue {
  const text = (email ?? '').trim().replace(/^mailto:/i, '');
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return { value: text.toLowerCase(), valid: false };
  let local = text.slice(0, at).toLowerCase();
  const parsedDomain = normalizeDomain(text.slice(at + 1));
  if (parsedDomain === null || /\s/.test(local)) return { value: text.toLowerCase(), valid: false };
  const domain = DOMAIN_ALIASES[parsedDomain] ?? parsedDomain;
  if (PLUS_TAG_DOMAINS.has(domain)) local = local.split('+')[0] ?? local;
  if (DOT_INSENSITIVE_DOMAINS.has(domain)) local = local.replaceAll('.', '');
  if (!local) return { value: text.toLowerCase(), valid: false };
  return { value: `${local}@${domain}`, valid: true };
}

/**
 * A phone number in E.164 (`+905321234567`). Numbers without a country code are read in
 * `defaultRegion` (ISO 3166 alpha-2, e.g. `TR`). Invalid numbers keep their digits.
 */
export function normalizePhone(phone: string | undefined | null, defaultRegion?: string): NormalizedValue {
  const text = (phone ?? '').trim();
  const cacheKey = `${defaultRegion ?? ''}|${text}`;
  const cached = phoneCache.get(cacheKey);
  if (cached) return cached;
  const result = parsePhone(text, defaultRegion);
  // The merger compares each candidate's phone again for every new identity; parsing dominates that
  // cost, so results are kept in a bounded table (emptied whole when full: simple and allocation-free).
  if (phoneCache.size >= PHONE_CACHE_SIZE) phoneCache.clear();
  phoneCache.set(cacheKey, result);
  return result;
}

const PHONE_CACHE_SIZE = 50_000;
const phoneCache = new Map<string, Readonly<NormalizedValue>>();

function parsePhone(text: string, defaultRegion: string | undefined): Readonly<NormalizedValue> {
  const digits = text.replace(/[^\d+]/g, '');
  if (!digits) return { value: '', valid: false };
  try {
    const parsed = parsePhoneNumberFromString(text, defaultRegion ? (defaultRegion.toUpperCase() as CountryCode) : undefined);
    if (parsed?.isValid()) return { value: parsed.number, valid: true };
  } catch {
    // libphonenumber throws on some malformed input; it is kept as digits below
  }
  return { value: digits, valid: false };
}

/** Networks whose handles are case-sensitive (everything else compares case-insensitively). */
const CASE_SENSITIVE_HANDLE_CHANNELS = new Set<string>();

/**
 * A handle without its leading `@`, trimmed and (on networks that ignore case) lower-cased.
 * Mastodon-style `user@instance` handles keep their instance. `core` drops the separators
 * people vary between networks (`john.doe`, `john_doe`, `john-doe` → `johndoe`).
 */
export function normalizeHandle(handle: string | undefined | null, channel?: string): NormalizedValue & { core: string } {
  let text = (handle ?? '').trim().replace(/^@+/, '');
  text = text.replace(/^https?:\/\/[^/]+\/@?/i, '').replace(/\/+$/, '');
  if (!channel || !CASE_SENSITIVE_HANDLE_CHANNELS.has(channel)) text = text.toLowerCase();
  const valid = text.length > 0 && !/\s/.test(text);
  const local = text.split('@')[0] ?? text;
  const core = foldToAscii(local).replace(/[^a-z0-9]/g, '');
  return { value: text, valid, core };
}

const SPECIAL_LETTERS: Record<string, string> = {
  ı: 'i',
  İ: 'i',
  I: 'i',
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  þ: 'th',
};
const SPECIAL_LETTER_PATTERN = /[ıİIßẞæÆœŒøØłŁđĐðþ]/g;
const COMBINING_MARKS = /[\u0300-\u036f]/g;

/**
 * Folds text to lower-case ASCII for comparison only: the Turkish dotted and dotless I
 * (`İ`, `I`, `ı`, `i`) all become `i`, and letters lose their diacritics
 * (`ş→s, ğ→g, ç→c, ö→o, ü→u`). Never use the result for display.
 */
export function foldToAscii(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  return text
    .replace(SPECIAL_LETTER_PATTERN, (letter) => SPECIAL_LETTERS[letter] ?? letter)
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase();
}

/**
 * Case-folds with the locale's rules: in Turkish and Azerbaijani `I` becomes `ı` and `İ`
 * becomes `i`; elsewhere `İ` becomes `i` (not `i` plus a combining dot).
 */
export function foldCase(text: string, locale?: string): string {
  const language = locale?.toLowerCase().split(/[-_]/)[0];
  if (language === 'tr' || language === 'az') return text.toLocaleLowerCase('tr');
  return text.replaceAll('İ', 'i').toLowerCase();
}

/** A person name, normalised two ways. */
export interface NormalizedName {
  /** Case-folded with the locale's rules, spaces collapsed: for display and exact checks. */
  folded: string;
  /** ASCII-folded tokens, punctuation removed: for comparison and blocking. */
  key: string;
  tokens: string[];
  valid: boolean;
}

const NAME_NOISE = /[^\p{L}\p{N}\s'-]/gu;

/**
 * Normalises a person name. Emoji, symbols and titles in parentheses are dropped;
 * `key` is what comparisons use.
 *
 * @example normalizeName('İSMAİL Işık', 'tr').key === 'ismail isik'
 */
export function normalizeName(name: string | undefined | null, locale?: string): NormalizedName {
  const text = (name ?? '').replace(/\([^)]*\)/g, ' ').replace(NAME_NOISE, ' ').replace(/\s+/g, ' ').trim();
  const folded = foldCase(text, locale);
  const tokens = foldToAscii(text)
    .replace(/['-]/g, ' ')
    .split(/\s+/)
    .filter((token) => token.length > 0);
  return { folded, key: tokens.join(' '), tokens, valid: tokens.length > 0 };
}

/**
 * A URL reduced to host and path: lower-case punycode host without `www.`, no scheme,
 * query, fragment or trailing slash. Invalid input keeps its trimmed, lower-cased text.
 */
export function normalizeUrl(url: string | undefined | null): NormalizedValue {
  const text = (url ?? '').trim();
  if (!text) return { value: '', valid: false };
  try {
    const parsed = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    const host = parsed.hostname.startsWith('www.') ? parsed.hostname.slice(4) : parsed.hostname;
    if (!host.includes('.')) return { value: text.toLowerCase(), valid: false };
    const path = parsed.pathname.replace(/\/+$/, '').toLowerCase();
    return { value: `${host}${path}`, valid: true };
  } catch {
    return { value: text.toLowerCase(), valid: false };
  }
}

const SOUNDEX_CODES: Record<string, string> = {
  b: '1', f: '1', p: '1', v: '1',
  c: '2', g: '2', j: '2', k: '2', q: '2', s: '2', x: '2', z: '2',
  d: '3', t: '3',
  l: '4',
  m: '5', n: '5',
  r: '6',
};

/** American Soundex of the ASCII-folded text (`robert` → `r163`); empty for no letters. */
export function soundex(text: string): string {
  const letters = foldToAscii(text).replace(/[^a-z]/g, '');
  const first = letters[0];
  if (!first) return '';
  let code = first;
  let previous = SOUNDEX_CODES[first] ?? '';
  for (let index = 1; index < letters.length && code.length < 4; index++) {
    const letter = letters[index] as string;
    const digit = SOUNDEX_CODES[letter] ?? '';
    if (digit && digit !== previous) code += digit;
    if (letter !== 'h' && letter !== 'w') previous = digit;
  }
  return code.padEnd(4, '0');
}
