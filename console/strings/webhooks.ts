// The Webhooks section's strings: English, Spanish and Chinese side by side.
import type { WebhookDelivery, WebhookEventType } from '../../sdk/protocol';

type Strings = {
  title: string;
  hint: string;
  none: string;
  add: string;
  url: string;
  description: string;
  events: string;
  eventNames: Record<WebhookEventType, string>;
  added: string;
  secret: string;
  showSecret: string;
  rotate: string;
  rotated: string;
  enable: string;
  disable: string;
  remove: string;
  removed: string;
  enabled: string;
  disabled: string;
  disabledBecause: string;
  failingSince: string;
  deliveries: string;
  noDeliveries: string;
  states: Record<WebhookDelivery['state'], string>;
  attempt: string;
  noAnswer: string;
  resend: string;
  resent: string;
  older: string;
  endpointOf: string;
};

export const webhookStrings: Record<'en' | 'es' | 'zh', Strings> = {
  en: {
    title: 'Webhooks',
    hint: 'Parley POSTs the events you pick to your endpoints, signed with each one’s secret, and retries for a day until they answer 2xx.',
    none: 'No endpoints yet.',
    add: 'Add endpoint',
    url: 'Endpoint URL (https)',
    description: 'Description (optional)',
    events: 'Events to send',
    eventNames: {
      'message.created': 'Message sent',
      'message.updated': 'Message edited or hidden',
      'message.deleted': 'Message deleted',
      'reaction.changed': 'Reaction added or removed',
      'user.registered': 'New user',
      'moderation.action': 'Moderation action',
      'report.created': 'Message reported',
    },
    added: 'Endpoint added.',
    secret: 'Signing secret:',
    showSecret: 'Show the signing secret',
    rotate: 'New secret',
    rotated: 'A new secret was made; the old one no longer works.',
    enable: 'Enable',
    disable: 'Disable',
    remove: 'Remove',
    removed: 'Endpoint removed.',
    enabled: 'Enabled',
    disabled: 'Disabled',
    disabledBecause: 'Disabled by Parley: {reason}',
    failingSince: 'Failing since {time}',
    deliveries: 'Recent deliveries',
    noDeliveries: 'Nothing sent yet.',
    states: { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' },
    attempt: '{time}: {outcome} in {ms} ms',
    noAnswer: 'no answer ({error})',
    resend: 'Resend',
    resent: 'Queued to be sent again.',
    older: 'Older deliveries',
    endpointOf: 'Endpoint {url}',
  },
  es: {
    title: 'Webhooks',
    hint: 'Parley envía por POST los eventos que elijas a tus endpoints, firmados con el secreto de cada uno, y reintenta durante un día hasta que respondan 2xx.',
    none: 'Aún no hay endpoints.',
    add: 'Añadir endpoint',
    url: 'URL del endpoint (https)',
    description: 'Descripción (opcional)',
    events: 'Eventos que enviar',
    eventNames: {
      'message.created': 'Mensaje enviado',
      'message.updated': 'Mensaje editado u oculto',
      'message.deleted': 'Mensaje eliminado',
      'reaction.changed': 'Reacción añadida o quitada',
      'user.registered': 'Usuario nuevo',
      'moderation.action': 'Acción de moderación',
      'report.created': 'Mensaje denunciado',
    },
    added: 'Endpoint añadido.',
    secret: 'Secreto de firma:',
    showSecret: 'Mostrar el secreto de firma',
    rotate: 'Nuevo secreto',
    rotated: 'Se creó un secreto nuevo; el anterior ya no sirve.',
    enable: 'Activar',
    disable: 'Desactivar',
    remove: 'Quitar',
    removed: 'Endpoint quitado.',
    enabled: 'Activado',
    disabled: 'Desactivado',
    disabledBecause: 'Desactivado por Parley: {reason}',
    failingSince: 'Falla desde {time}',
    deliveries: 'Envíos recientes',
    noDeliveries: 'Aún no se ha enviado nada.',
    states: { pending: 'Pendiente', delivered: 'Entregado', failed: 'Fallido' },
    attempt: '{time}: {outcome} en {ms} ms',
    noAnswer: 'sin respuesta ({error})',
    resend: 'Reenviar',
    resent: 'En cola para enviarse de nuevo.',
    older: 'Envíos anteriores',
    endpointOf: 'Endpoint {url}',
  },
  zh: {
    title: '网络钩子',
    hint: 'Parley 会把你选择的事件以 POST 发送到你的端点，用各端点的密钥签名，并在一天内重试，直到对方返回 2xx。',
    none: '还没有端点。',
    add: '添加端点',
    url: '端点 URL（https）',
    description: '说明（可选）',
    events: '要发送的事件',
    eventNames: {
      'message.created': '发送消息',
      'message.updated': '编辑或隐藏消息',
      'message.deleted': '删除消息',
      'reaction.changed': '添加或移除表情回应',
      'user.registered': '新用户',
      'moderation.action': '管理操作',
      'report.created': '举报消息',
    },
    added: '已添加端点。',
    secret: '签名密钥：',
    showSecret: '显示签名密钥',
    rotate: '更换密钥',
    rotated: '已生成新密钥；旧密钥已失效。',
    enable: '启用',
    disable: '停用',
    remove: '移除',
    removed: '已移除端点。',
    enabled: '已启用',
    disabled: '已停用',
    disabledBecause: '已被 Parley 停用：{reason}',
    failingSince: '自 {time} 起一直失败',
    deliveries: '最近的投递',
    noDeliveries: '还没有发送任何内容。',
    states: { pending: '等待中', delivered: '已送达', failed: '失败' },
    attempt: '{time}：{outcome}，用时 {ms} 毫秒',
    noAnswer: '无响应（{error}）',
    resend: '重新发送',
    resent: '已排队重新发送。',
    older: '更早的投递',
    endpointOf: '端点 {url}',
  },
};
