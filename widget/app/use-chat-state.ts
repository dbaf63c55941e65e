import { useEffect, useState } from 'preact/hooks';
import type { ChatState, ChatStore } from './store';

/** Re-renders the calling component whenever the store changes. */
export function useChatState(store: ChatStore): ChatState {
  const [state, setState] = useState(store.getState);
  useEffect(() => {
    setState(store.getState());
    return store.subscribe(() => setState(store.getState()));
  }, [store]);
  return state;
}
