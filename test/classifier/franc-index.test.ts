/**
 * The detector's inverted-index `francAll` must answer exactly as franc's own: same languages,
 * same order, same scores, for every script and option the detector uses.
 */
import { francAll as francReference } from 'franc';
import { data } from 'franc/data.js';
import { describe, expect, it } from 'vitest';
import { francAll } from '../../src/classifier/_franc.js';

const TEXTS = [
  'Je voudrais annuler ma commande, le colis est arrivé endommagé.',
  'Ich möchte mein Abonnement kündigen, der Service ist schrecklich.',
  'Хочу отменить заказ, посылка пришла повреждённой.',
  'أريد إلغاء طلبي لأن الطرد وصل تالفا',
  'मुझे अपना ऑर्डर रद्द करना है',
  'אני רוצה לבטל את ההזמנה שלי',
  'ሰላም እንዴት ነህ ዛሬ ጥሩ ቀን ነው',
  'ကျေးဇူးတင်ပါတယ် မင်္ဂလာပါ',
  '我想取消我的订单，包裹坏了',
  'こんにちは、注文をキャンセルしたいです',
  '주문을 취소하고 싶습니다 감사합니다',
  'thanks for the quick reply, the parcel finally arrived!!! :)',
  'siparişim hâlâ gelmedi, müşteri hizmetleri çok ilgisiz',
  'aaaa aaaa aaaa aaaa',
  '1234567890 !!! ??? 2024-01-01',
  '           ',
  'short',
  'Dobrý den, chtěl bych zrušit objednávku. Hvala lijepa, vidimo se sutra.',
  `${'la la la '.repeat(300)}end`,
  // surrogate pairs: emoji, and ideographs outside the Basic Multilingual Plane
  'thanks 😍😍 so good, really loving it',
  '𠀀𠀁𠀂 我想取消订单 𠀃',
  'broken \ud800 surrogate in a sentence',
];

/** One text per language franc knows, made of the start of its own trigram list (every language is ranked first somewhere). */
const LANGUAGE_TEXTS = Object.values(data).flatMap((languages) => Object.values(languages).map((trigrams) => trigrams.split('|').slice(0, 40).join('')));

describe('francAll (inverted index)', () => {
  it('matches franc on texts of every script, with and without options', () => {
    const optionSets = [{}, { minLength: 10 }, { minLength: 3 }, { only: ['eng', 'tur', 'deu', 'fra', 'rus', 'arb'] }, { ignore: ['eng', 'sco'] }, { only: ['cmn'] }, { only: ['xyz'] }];
    for (const text of [...TEXTS, ...LANGUAGE_TEXTS]) {
      for (const options of optionSets) expect(francAll(text, options), `${text.slice(0, 40)} ${JSON.stringify(options)}`).toEqual(francReference(text, options));
    }
  });

  it('gives the head of the same ranking when asked for only the first languages', () => {
    for (const text of [...TEXTS, ...LANGUAGE_TEXTS.slice(0, 60)]) {
      for (const limit of [1, 6, 40]) {
        for (const options of [{}, { only: ['eng', 'tur', 'deu', 'fra', 'rus', 'arb'] }]) {
          expect(francAll(text, { ...options, limit }), `${text.slice(0, 40)} ${limit}`).toEqual(francReference(text, options).slice(0, limit));
        }
      }
    }
  });

  it('answers und for empty and too short texts', () => {
    expect(francAll('')).toEqual([['und', 1]]);
    expect(francAll('hi there', { minLength: 10 })).toEqual([['und', 1]]);
  });
});
