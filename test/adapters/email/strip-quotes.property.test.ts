import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripQuotedText } from 'social-crm/adapters/email';

// What customers write: lines of at least three ordinary words (English and Turkish), so no line
// is an attribution, a separator, a signature delimiter or a lone closing formula.
const word = fc.constantFrom('Merhaba', 'siparişim', 'kargo', 'hâlâ', 'gelmedi', 'iade', 'lütfen', 'bugün', 'hello', 'my', 'order', 'refund', 'please', 'today', 'router', '#4411', 'çok', 'üzgünüm', 'arrived', 'not');
const line = fc.array(word, { minLength: 3, maxLength: 9 }).map((words) => words.join(' '));
const paragraph = fc.array(line, { minLength: 1, maxLength: 4 }).map((lines) => lines.join('\n'));
const own = fc.array(paragraph, { minLength: 1, maxLength: 3 }).map((paragraphs) => paragraphs.join('\n\n'));
const name = fc.constantFrom('Acme Support <support@acme.example>', 'Acme Destek <destek@acme.example>', '"Acme, Inc." <help@acme.example>');
const attribution = fc.oneof(
  fc.tuple(fc.constantFrom('Mon, Feb 16, 2026 at 9:00 AM', 'Tue, 3 Mar 2026 14:05'), name).map(([date, who]) => `On ${date} ${who} wrote:`),
  fc.tuple(fc.constantFrom('16 Şub 2026 Pzt, 09:00', '3 Mar 2026 Sal 14:05'), name).map(([date, who]) => `${date} tarihinde ${who} şunu yazdı:`),
  fc.tuple(name, fc.constantFrom('Pazartesi, 16 Şubat 2026 09:00', '3 Mart 2026 Salı 14:05')).map(([who, date]) => `Kimden: ${who}\nGönderildi: ${date}\nKime: ayse@musteri.example\nKonu: Sipariş`),
  fc.tuple(name, fc.constantFrom('Monday, February 16, 2026 9:00 AM')).map(([who, date]) => `________________________________\nFrom: ${who}\nSent: ${date}\nTo: dana@customer.example`),
);
const quoted = fc.array(fc.string({ maxLength: 60 }).map((text) => `> ${text.replace(/[\r\n]/g, ' ')}`), { minLength: 0, maxLength: 6 }).map((lines) => lines.join('\n'));
const newline = fc.constantFrom('\n', '\r\n');

describe('stripQuotedText (properties)', () => {
  it('keeps exactly what the customer wrote above any English or Turkish quote header, with either line ending', () => {
    fc.assert(
      fc.property(own, attribution, quoted, newline, (text, header, history, eol) => {
        const body = `${text}\n\n${header}\n${history}\n`.replace(/\n/g, eol);
        const stripped = stripQuotedText(body);
        expect(stripped.text).toBe(text);
        expect(stripped.quoted).toBeDefined();
      }),
    );
  });

  it('leaves a message without quotes or signature untouched', () => {
    fc.assert(
      fc.property(own, (text) => {
        expect(stripQuotedText(text)).toEqual({ text });
      }),
    );
  });

  it('never loses the whole message: the text is empty only when the body is blank', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (body) => {
        const { text } = stripQuotedText(body);
        expect(text.trim() === '').toBe(body.trim() === '');
      }),
    );
  });
});
