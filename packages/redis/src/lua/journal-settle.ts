import { defineScript } from '../scripts.js';
import { journalSettleLua } from './journal.js';

export const journalSettle = defineScript('journal-settle', journalSettleLua);
