import { describeWebhookFuzz } from './describe-fuzz.js';
import { builtInTarget } from './fuzz-kit.js';

describeWebhookFuzz('whatsapp', builtInTarget('whatsapp'));
