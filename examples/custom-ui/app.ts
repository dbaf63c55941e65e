// placeholder: the custom UI example is being written
import { createChatClient } from '@parley/sdk';

export const chat = createChatClient;
