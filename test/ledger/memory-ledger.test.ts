import { memoryLedger } from 'social-crm';
import { describeLedger } from 'social-crm/testing';

describeLedger('memoryLedger()', { create: () => memoryLedger() });
