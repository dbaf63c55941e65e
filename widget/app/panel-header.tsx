import type { ComponentChildren } from 'preact';
import { t } from './i18n';

interface PanelHeaderProps {
  title: ComponentChildren;
  subtitle?: ComponentChildren;
  /** Present when embedded: asks the host page to close the panel. */
  onMinimise?: () => void;
  /** Extra actions, before the minimise button. */
  children?: ComponentChildren;
}

export function PanelHeader({ title, subtitle, onMinimise, children }: PanelHeaderProps) {
  return (
    <header class="panel-header">
      <div class="panel-title">
        <h1>{title}</h1>
        {subtitle && <p class="panel-subtitle">{subtitle}</p>}
      </div>
      <div class="panel-actions">
        {children}
        {onMinimise && (
          <button type="button" class="icon-button" aria-label={t.minimise} title={t.minimise} onClick={onMinimise}>
            <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d="M6 12h12" />
            </svg>
          </button>
        )}
      </div>
    </header>
  );
}
