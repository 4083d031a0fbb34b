/**
 * Complaint cues that carry no negative word: a crowd piling onto a complaint often says
 * "same thing happened to me" or "fix it already" rather than "terrible".
 */
import { describe, expect, it } from 'vitest';
import { createClassifier } from 'social-crm/classifier';

const classifier = createClassifier();
const intentsOf = (text: string) => classifier.classify({ text }).intents.map((intent) => intent.intent);

describe('complaint cues without negative words', () => {
  it.each([
    'Same thing happened to my cello last year, they never paid',
    'Two months on and they never refunded me',
    'Still silent about my lost bag?',
    'Bagaj meselesini çözün artık',
    'Aynısı bana da oldu, valizim kayboldu',
    'Ayni sey basima geldi gecen ay',
  ])('%s', (text) => {
    expect(intentsOf(text)).toContain('complaint');
  });

  it('leaves ordinary sentences alone', () => {
    expect(intentsOf('The same thing happened in the second film, and I loved it')).not.toContain('complaint');
    expect(intentsOf('Yeni rotalarınızı çok beğendim')).not.toContain('complaint');
  });
});
