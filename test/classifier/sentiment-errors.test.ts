import { describe, expect, it } from 'vitest';
import { createClassifier } from 'social-crm/classifier';
import { buildLexicon, featureBuffer, markTokens, scoreRules, sparseFeatures } from '../../src/classifier/sentiment.js';
import { hashWord, scanText } from '../../src/classifier/_text.js';

const classifier = createClassifier();
const sentiment = (text: string) => classifier.classify({ text }).sentiment;
const english = buildLexicon('en');
const tokens = (text: string) => {
  const scan = scanText(text);
  return Array.from(scan.hashes.subarray(0, scan.tokenCount));
};

describe('sentiment error classes (made-up sentences)', () => {
  describe('contractions: an English clitic ends the word', () => {
    it("reads I'll as I, not as ill", () => {
      expect(tokens("I'll see you")).toEqual([hashWord('i'), hashWord('see'), hashWord('you')]);
      expect(sentiment("I'll see you at the office tomorrow.").label).not.toBe('negative');
      expect(sentiment("We'll meet the new team at noon.").label).not.toBe('negative');
    });

    it("reads he'll, we're and I'd without their clitic, with either apostrophe", () => {
      expect(tokens('he’ll be there')[0]).toBe(hashWord('he'));
      expect(tokens("WE'RE here")[0]).toBe(hashWord('we'));
      expect(tokens("I'd go")[0]).toBe(hashWord('i'));
      expect(sentiment("He'll pick the parcel up on Monday.").label).not.toBe('negative');
    });

    it("keeps n't and 's joined, and Turkish suffixes after an apostrophe", () => {
      expect(tokens("don't")).toEqual([hashWord('dont')]);
      expect(tokens("it's")).toEqual([hashWord('its')]);
      expect(tokens("Turkcell'de")).toEqual([hashWord('turkcellde')]);
      expect(tokens("Ankara'dan")).toEqual([hashWord('ankaradan')]);
      expect(sentiment("I don't like the new design at all").label).toBe('negative');
    });

    it('reads a second JSON escaping of the apostrophe and comma', () => {
      expect(tokens('I\\u2019ll go\\u002c ok')).toEqual([hashWord('i'), hashWord('go'), hashWord('ok')]);
      expect(tokens('don\\u2019t')).toEqual([hashWord('dont')]);
    });
  });

  describe('names: a polar word written as a name carries no sentiment', () => {
    it('"Rob and I" is a person, "rob" is a verb', () => {
      expect(sentiment('Rob and I are at the game').label).not.toBe('negative');
      expect(sentiment('We are watching the match with Rob tonight').label).not.toBe('negative');
      expect(scoreRules(scanText('They rob you blind with these fees'), english).raw).toBeLessThan(0);
      expect(scoreRules(scanText('Rob the bank'), english).raw).toBeLessThan(0);
    });

    it('a capitalised polar word is a name only inside a sentence or before "and", "is" …', () => {
      expect(scoreRules(scanText('Hope is coming over later'), english).raw).toBe(0);
      expect(scoreRules(scanText('Hope you feel better'), english).raw).toBeGreaterThan(0);
      expect(scoreRules(scanText('I Hope You Win'), english).raw).toBeGreaterThan(0);
    });

    it('the learned model sees a name as another feature than the word', () => {
      const features = (text: string) => {
        const scan = scanText(text);
        const buffer = sparseFeatures(scan, english, featureBuffer());
        return buffer.hashes[0];
      };
      expect(features('Rob and I')).not.toBe(features('rob and I'));
    });
  });

  describe('negation scope: a negated negative in an imperative is not praise', () => {
    it('"Please don\'t mess this up" is not positive', () => {
      expect(sentiment("Please don't mess this up").label).not.toBe('positive');
      expect(sentiment('Do not break the box again').label).not.toBe('positive');
    });

    it('a stated negated negative still counts as a mild positive', () => {
      expect(scoreRules(scanText("Honestly I don't hate it"), english).raw).toBeGreaterThan(0);
      expect(scoreRules(scanText("Please don't mess this up"), english).raw).toBe(0);
    });
  });

  describe('topic words describe an event, not the writer', () => {
    it('"The death penalty debate continues" is neutral', () => {
      expect(sentiment('The death penalty debate continues').label).toBe('neutral');
      expect(sentiment('New crime statistics are out this morning').label).not.toBe('negative');
    });

    it('marks the words of a topic and leaves the same words elsewhere polar', () => {
      const scan = scanText('climate change summit opens in Bonn');
      expect(Array.from(markTokens(scan, english).subarray(0, 3))).toEqual([2, 2, 0]);
      expect(scoreRules(scanText('Another death in the family, terrible week'), english).raw).toBeLessThan(0);
      expect(sentiment('This penalty fee is a disgrace').label).toBe('negative');
    });
  });
});
