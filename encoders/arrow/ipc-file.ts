import { MetadataVersion, type Schema } from 'apache-arrow';
import { FileBlock, Footer } from 'apache-arrow/ipc/metadata/file';

/**
 * The Arrow IPC file format ("Feather v2", what `.arrow` files usually are) around the stream format's
 * messages: `ARROW1` + 2 padding bytes, the stream (schema message, record batches, end-of-stream marker),
 * then a footer that repeats the schema and lists every record batch's offset and sizes, its length, and
 * `ARROW1` again. A reader seeks to the footer first, so the file supports random access to batches;
 * the stream format cannot be read that way but can be read as it arrives.
 *
 * The footer is encoded by Arrow JS's own Footer (a public module path), the flatbuffer its file writer uses.
 */
const MAGIC = Uint8Array.from([0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]); // ARROW1
const MAGIC_AND_PADDING = Uint8Array.from([...MAGIC, 0, 0]);

export interface IpcFileFraming {
  /** The file's first bytes, before the stream's schema message. */
  readonly prefix: Uint8Array;
  /** Notes where a message lies; call for every stream message in order (schema, batches, EOS). */
  message(bytes: Uint8Array, kind: 'schema' | 'batch' | 'eos'): void;
  /** Footer, its length and the closing magic: the file's last bytes. */
  trailer(): Uint8Array;
}

export function createIpcFileFraming(schema: Schema): IpcFileFraming {
  let position = MAGIC_AND_PADDING.byteLength;
  const blocks: FileBlock[] = [];
  return {
    prefix: MAGIC_AND_PADDING,
    message(bytes, kind) {
      if (kind === 'batch') {
        // A message is 0xFFFFFFFF, the metadata length, the metadata (padded to 8), then the body.
        const metadataLength = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getInt32(0, true);
        const prefixLength = 8 + metadataLength;
        blocks.push(new FileBlock(prefixLength, bytes.byteLength - prefixLength, position));
      }
      position += bytes.byteLength;
    },
    trailer() {
      const footer = Footer.encode(new Footer(schema, MetadataVersion.V5, blocks, []));
      const out = new Uint8Array(footer.byteLength + 4 + MAGIC.byteLength);
      out.set(footer, 0);
      new DataView(out.buffer).setInt32(footer.byteLength, footer.byteLength, true);
      out.set(MAGIC, footer.byteLength + 4);
      return out;
    },
  };
}
