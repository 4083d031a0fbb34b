/**
 * `social-crm/classifier`: the default sentiment / intent / department / urgency /
 * language classifier. Offline and synchronous, English and Turkish; other languages are
 * detected and marked `languageSupported: false`. Loaded lazily by the pipeline, so the
 * root import never pulls in its language data.
 *
 * @example
 * ```ts
 * import { createClassifier } from 'social-crm/classifier';
 *
 * const classifier = createClassifier({ languages: ['en', 'tr'] });
 * classifier.classify({ text: 'Still no refund after 3 weeks. Talking to my lawyer.', visibility: 'public', followerCount: 12000 });
 * ```
 *
 * @module social-crm/classifier
 */
export { createClassifier, UNSUPPORTED_LANGUAGE, type CascadeClassifier, type SentimentResult, type SyncClassifier } from './create-classifier.js';
export { TIER_FALLBACK, TIER_LOCAL, type CascadeControls, type FallbackOptions } from './cascade.js';
export { DEFAULT_CLASSIFIER_ID, type ClassifierOptions, type LexiconExtension } from './options.js';
export type { Classifier, ClassifierInput } from '../classifier-port.js';
export type { Classification, IntentLabel, SentimentLabel, Department } from '../interaction.js';
