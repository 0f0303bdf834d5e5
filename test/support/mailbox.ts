/** Mails as GreenMail's REST API returns them, decoded enough for assertions. */
export interface ReadMail {
  subject: string;
  messageId: string;
  /** The text part, decoded (quoted-printable undone). */
  text: string;
  attachments: { filename: string; content: Buffer }[];
  raw: string;
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function parseMime(raw: string): Omit<ReadMail, 'subject' | 'messageId' | 'raw'> {
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(raw)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw.slice(raw.indexOf('\r\n\r\n'))];
  let text = '';
  const attachments: ReadMail['attachments'] = [];
  for (const part of parts) {
    const split = part.indexOf('\r\n\r\n');
    const headers = part.slice(0, split);
    const body = part.slice(split + 4).replace(/\r\n$/, '');
    const encoding = /Content-Transfer-Encoding:\s*(\S+)/i.exec(headers)?.[1]?.toLowerCase();
    const filename = /filename="?([^";\r\n]+)"?/i.exec(headers)?.[1];
    if (filename) {
      attachments.push({
        filename,
        content: encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : Buffer.from(body),
      });
    } else if (/text\/plain/i.test(headers) || !boundary) {
      text =
        encoding === 'quoted-printable'
          ? decodeQuotedPrintable(body)
          : encoding === 'base64'
            ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
            : body;
    }
  }
  return { text, attachments };
}

/** Every mail GreenMail holds for `address`. */
export async function readMailbox(apiUrl: string, address: string): Promise<ReadMail[]> {
  const res = await fetch(`${apiUrl}/api/user/${encodeURIComponent(address)}/messages`);
  if (res.status === 404 || res.status === 400) return [];
  if (!res.ok) throw new Error(`GreenMail answered ${res.status} for ${address}`);
  const list = (await res.json()) as { subject: string; 'Message-ID': string; mimeMessage: string }[];
  return list.map((m) => ({
    subject: m.subject,
    messageId: m['Message-ID'],
    raw: m.mimeMessage,
    ...parseMime(m.mimeMessage),
  }));
}
