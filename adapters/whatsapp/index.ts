export { whatsappAdapter, type WhatsappAdapterOptions } from './whatsapp-adapter.js';
export type { WhatsappReplyOptions } from './send-reply.js';
export type { WhatsappMessageOptions } from './send-message.js';
