// Every string the console shows, English, Spanish and Chinese in one catalog (the console is loaded by site
// owners only, never by host pages, so all three ship together). Server errors are shown as they come.
import type { ConsoleRole } from '../sdk/protocol';

const catalog = {
  en: {
    title: 'Parley console',
    loading: 'Loading…',
    signIn: 'Sign in',
    signInTitle: 'Sign in to run your sites',
    email: 'Email',
    password: 'Password',
    signOut: 'Sign out',
    inviteTitle: 'Join {site}',
    inviteBody: '{email} is invited as {role} of {site}.',
    newPassword: 'Choose a password (at least 8 characters)',
    yourPassword: 'Your console password',
    accept: 'Accept the invitation',
    inviteGone: 'This invite link is unknown, used or expired: ask for a new one.',
    sites: 'Your sites',
    noSites: 'No sites yet: create the first one below.',
    site: 'Site',
    siteId: 'Site id',
    siteIdHint: '1–40 of a-z, 0-9 and -; it goes in the tag and cannot change.',
    siteName: 'Name',
    origin: 'First allowed origin',
    originHint: 'Where the widget will be embedded, e.g. https://shop.example',
    create: 'Create site',
    role: 'Your role',
    deleteSite: 'Delete…',
    deleteTitle: 'Delete {site} and everything in it?',
    deleteBody: 'Users, rooms, messages and sessions of this site are deleted for good. Type the site id to confirm.',
    confirmId: 'Site id to confirm',
    confirmDelete: 'Delete for good',
    cancel: 'Cancel',
    deleted: '{site} was deleted.',
    roles: { owner: 'owner', admin: 'admin', moderator: 'moderator' } satisfies Record<ConsoleRole, string>,
    settings: 'Settings',
    settingsTitle: 'Settings of {site}',
    origins: 'Allowed origins, one per line',
    originsHint: 'The pages of these origins may embed the chat; a change applies from their next page load.',
    save: 'Save',
    saved: 'Saved.',
    close: 'Close',
    readOnly: 'Only owners and admins change these.',
    somethingWrong: 'Something went wrong. Please try again.',
  },
  es: {
    title: 'Consola de Parley',
    loading: 'Cargando…',
    signIn: 'Iniciar sesión',
    signInTitle: 'Inicia sesión para gestionar tus sitios',
    email: 'Correo electrónico',
    password: 'Contraseña',
    signOut: 'Cerrar sesión',
    inviteTitle: 'Únete a {site}',
    inviteBody: '{email} está invitado como {role} de {site}.',
    newPassword: 'Elige una contraseña (al menos 8 caracteres)',
    yourPassword: 'Tu contraseña de la consola',
    accept: 'Aceptar la invitación',
    inviteGone: 'Este enlace de invitación no existe, ya se usó o caducó: pide uno nuevo.',
    sites: 'Tus sitios',
    noSites: 'Aún no hay sitios: crea el primero abajo.',
    site: 'Sitio',
    siteId: 'Id del sitio',
    siteIdHint: 'De 1 a 40 de a-z, 0-9 y -; va en la etiqueta y no puede cambiar.',
    siteName: 'Nombre',
    origin: 'Primer origen permitido',
    originHint: 'Donde se incrustará el widget, p. ej. https://shop.example',
    create: 'Crear sitio',
    role: 'Tu rol',
    deleteSite: 'Eliminar…',
    deleteTitle: '¿Eliminar {site} y todo su contenido?',
    deleteBody: 'Los usuarios, salas, mensajes y sesiones de este sitio se eliminan para siempre. Escribe el id del sitio para confirmar.',
    confirmId: 'Id del sitio para confirmar',
    confirmDelete: 'Eliminar para siempre',
    cancel: 'Cancelar',
    deleted: 'Se eliminó {site}.',
    roles: { owner: 'propietario', admin: 'administrador', moderator: 'moderador' },
    settings: 'Ajustes',
    settingsTitle: 'Ajustes de {site}',
    origins: 'Orígenes permitidos, uno por línea',
    originsHint: 'Las páginas de estos orígenes pueden incrustar el chat; un cambio se aplica desde su siguiente carga.',
    save: 'Guardar',
    saved: 'Guardado.',
    close: 'Cerrar',
    readOnly: 'Solo propietarios y administradores pueden cambiarlos.',
    somethingWrong: 'Algo salió mal. Inténtalo de nuevo.',
  },
  zh: {
    title: 'Parley 控制台',
    loading: '加载中…',
    signIn: '登录',
    signInTitle: '登录以管理你的网站',
    email: '电子邮件',
    password: '密码',
    signOut: '退出登录',
    inviteTitle: '加入 {site}',
    inviteBody: '{email} 受邀成为 {site} 的{role}。',
    newPassword: '设置密码（至少 8 个字符）',
    yourPassword: '你的控制台密码',
    accept: '接受邀请',
    inviteGone: '此邀请链接不存在、已使用或已过期：请索取新的链接。',
    sites: '你的网站',
    noSites: '还没有网站：在下方创建第一个。',
    site: '网站',
    siteId: '网站 ID',
    siteIdHint: '1–40 个 a-z、0-9 和 -；写在标签中，无法更改。',
    siteName: '名称',
    origin: '第一个允许的来源',
    originHint: '嵌入聊天组件的位置，例如 https://shop.example',
    create: '创建网站',
    role: '你的角色',
    deleteSite: '删除…',
    deleteTitle: '删除 {site} 及其全部内容？',
    deleteBody: '此网站的用户、聊天室、消息和会话将被永久删除。输入网站 ID 以确认。',
    confirmId: '输入网站 ID 以确认',
    confirmDelete: '永久删除',
    cancel: '取消',
    deleted: '{site} 已删除。',
    roles: { owner: '所有者', admin: '管理员', moderator: '版主' },
    settings: '设置',
    settingsTitle: '{site} 的设置',
    origins: '允许的来源，每行一个',
    originsHint: '这些来源的页面可以嵌入聊天；更改在其下次加载页面时生效。',
    save: '保存',
    saved: '已保存。',
    close: '关闭',
    readOnly: '只有所有者和管理员可以更改。',
    somethingWrong: '出了点问题，请重试。',
  },
} as const;

export type Strings = (typeof catalog)['en'];
export type Language = keyof typeof catalog;

/** The first of the browser's languages the console speaks, else English. */
export function chooseLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const language = tag.toLowerCase().split('-')[0];
    if (language && language in catalog) return language as Language;
  }
  return 'en';
}

export let language: Language = 'en';
export let t: Strings = catalog.en;

export function setLanguage(next: Language): void {
  language = next;
  t = catalog[next] as unknown as Strings;
  document.documentElement.lang = next;
  document.title = t.title;
}

/** `{name}` placeholders filled in. */
export const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
