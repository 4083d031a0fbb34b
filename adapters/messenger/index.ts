export { messengerAdapter, type MessengerAdapterOptions } from './messenger-adapter.js';
