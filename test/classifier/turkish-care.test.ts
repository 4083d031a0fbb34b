/**
 * Turkish customer-care words: delays, chaos, damage and loss read as negative even where
 * the rest of the sentence is plain ("rötar yaptı", "hasarlı geldi"), and "hasarsız" does not.
 */
import { describe, expect, it } from 'vitest';
import { createClassifier } from 'social-crm/classifier';

const classifier = createClassifier();
const sentimentOf = (text: string) => classifier.classify({ text, locale: 'tr-TR' }).sentiment.label;

describe('Turkish customer-care sentiment', () => {
  it.each([
    'YA721 seferi yine rötar yaptı, iki saattir kapıda bekliyoruz.',
    'İzmir’de sabah check-in kuyruğu tam bir kaostu.',
    'Valizim kayıp, kimse cevap vermiyor',
    'Bavulum kırık geldi',
    'Kargo hasarlı geldi',
  ])('%s is negative', (text) => {
    expect(sentimentOf(text)).toBe('negative');
  });

  it('does not read "hasarsız" (undamaged) as damage', () => {
    expect(sentimentOf('Paket hasarsız ve zamanında geldi, teşekkürler')).not.toBe('negative');
  });
});
