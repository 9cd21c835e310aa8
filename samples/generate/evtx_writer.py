"""A small writer of Windows event log files (.evtx), for samples and tests.

Public logs hold no Office activation failures, so the samples' OAlerts, AAD, System
(Service Control Manager, Schannel) and NCSI logs are written here. The output follows the
format as Windows writes it and as libevtx documents it:

- a 4096-byte file header (`ElfFile\\0`, version 3.1, CRC32 of its first 120 bytes);
- 64 KiB chunks (`ElfChnk\\0`): record numbers and ids, the offset of the last record and
  of the free space, the CRC32 of the records, the 64-bucket common-string table and the
  32-bucket template table, and the header CRC32 (bytes 0-120 and 128-512);
- records (`**\\0\\0`, size, id, FILETIME, binary XML, size again);
- binary XML the way Windows writes it: every record is a fragment holding one template
  instance; the template (the `<Event>` tree with substitutions for every field) is
  defined inline by the first record of a chunk that uses it and referred to by offset
  after that; element and attribute names are written once per chunk and referred to by
  offset, chained in the common-string table by their hash.

Validated against the `evtx` crate (tests/evtx.rs reads every generated log) and, when
they are installed, python-evtx and libevtx's evtxexport (tests/evtx_readers.sh).
"""

import datetime
import struct
import uuid
import zlib

CHUNK_SIZE = 0x10000
CHUNK_HEADER = 512
FILE_HEADER = 4096
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"

# Binary XML value types.
T_NULL, T_STRING, T_UINT8, T_UINT16, T_UINT32, T_UINT64 = 0x00, 0x01, 0x04, 0x06, 0x08, 0x0A
T_BINARY, T_GUID, T_FILETIME, T_SID, T_HEX64 = 0x0E, 0x0F, 0x11, 0x13, 0x15


def filetime(when):
    """A timezone-aware datetime as a FILETIME (100 ns since 1601-01-01 UTC)."""
    epoch = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)
    delta = when - epoch
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def name_hash(name):
    h = 0
    for unit in struct.unpack(f"<{len(name.encode('utf-16-le')) // 2}H", name.encode("utf-16-le")):
        h = (h * 65599 + unit) & 0xFFFFFFFF
    return h & 0xFFFF


class Elem:
    """An element of a template: attributes and children are Text, Sub or Elem."""

    def __init__(self, name, attrs=(), children=()):
        self.name, self.attrs, self.children = name, list(attrs), list(children)


class Text:
    def __init__(self, text):
        self.text = text


class Sub:
    """Substitution `index` of `vtype`; optional ones vanish when their value is null."""

    def __init__(self, index, vtype, optional=False):
        self.index, self.vtype, self.optional = index, vtype, optional


class _Chunk:
    """One chunk being filled: its bytes after the header, names and templates it holds."""

    def __init__(self):
        self.body = bytearray()
        self.names = {}          # name -> chunk offset of its inline definition
        self.string_table = [0] * 64
        self.templates = {}      # template key -> chunk offset of its definition
        self.template_table = [0] * 32
        self.records = []        # (number, id, offset)

    def offset(self):
        return CHUNK_HEADER + len(self.body)


class _Emitter:
    """Writes binary XML into a scratch buffer placed at `base` in the chunk, tracking the
    names and templates it defines so they can be committed if the record fits."""

    def __init__(self, chunk, base):
        self.chunk, self.base, self.buf = chunk, base, bytearray()
        self.new_names, self.new_templates = {}, {}

    def pos(self):
        return self.base + len(self.buf)

    def u8(self, v):
        self.buf += struct.pack("<B", v)

    def u16(self, v):
        self.buf += struct.pack("<H", v)

    def u32(self, v):
        self.buf += struct.pack("<I", v)

    def reserve32(self):
        at = len(self.buf)
        self.buf += b"\0\0\0\0"
        return at

    def patch32(self, at, v):
        self.buf[at:at + 4] = struct.pack("<I", v)

    def name(self, name):
        known = self.chunk.names.get(name, self.new_names.get(name))
        if known is not None:
            self.u32(known)
            return
        here = self.pos() + 4
        self.u32(here)
        h = name_hash(name)
        bucket = h % 64
        # Chain onto the bucket's current head (resolved when committed).
        self.new_names[name] = here
        encoded = name.encode("utf-16-le")
        self.buf += struct.pack("<IHH", 0, h, len(encoded) // 2) + encoded + b"\0\0"
        self._chains = getattr(self, "_chains", [])
        self._chains.append((here - self.base, bucket))

    def element(self, e):
        self.u8(0x41 if e.attrs else 0x01)
        self.u16(0xFFFF)  # dependency id: none
        size_at = self.reserve32()
        self.name(e.name)
        if e.attrs:
            attrs_at = self.reserve32()
            start = len(self.buf)
            for i, (aname, value) in enumerate(e.attrs):
                self.u8(0x46 if i + 1 < len(e.attrs) else 0x06)
                self.name(aname)
                self.node(value)
            self.patch32(attrs_at, len(self.buf) - start)
        if e.children:
            self.u8(0x02)
            for c in e.children:
                self.node(c)
            self.u8(0x04)
        else:
            self.u8(0x03)
        self.patch32(size_at, len(self.buf) - (size_at + 4))

    def node(self, n):
        if isinstance(n, Elem):
            self.element(n)
        elif isinstance(n, Text):
            encoded = n.text.encode("utf-16-le")
            self.u8(0x05)
            self.u8(T_STRING)
            self.u16(len(encoded) // 2)
            self.buf += encoded
        elif isinstance(n, Sub):
            self.u8(0x0E if n.optional else 0x0D)
            self.u16(n.index)
            self.u8(n.vtype)
        else:
            raise TypeError(n)

    def template_instance(self, key, guid, tree, values):
        self.u8(0x0C)
        self.u8(0x01)
        template_id = struct.unpack("<I", guid.bytes_le[:4])[0]
        self.u32(template_id)
        known = self.chunk.templates.get(key)
        if known is not None:
            self.u32(known)
        else:
            here = self.pos() + 4
            self.u32(here)
            self.new_templates[key] = (here, template_id)
            self.u32(0)  # next template in the bucket (chained when committed)
            self.buf += guid.bytes_le
            size_at = self.reserve32()
            start = len(self.buf)
            self.buf += b"\x0f\x01\x01\x00"
            self.element(tree)
            self.u8(0x00)
            self.patch32(size_at, len(self.buf) - start)
        self.u32(len(values))
        encoded = [_encode_value(vtype, value) for vtype, value in values]
        for (vtype, value), data in zip(values, encoded):
            self.u16(len(data))
            self.u8(T_NULL if value is None else vtype)
            self.u8(0)
        for data in encoded:
            self.buf += data


def _encode_value(vtype, value):
    if value is None:
        return b""
    if vtype == T_STRING:
        return value.encode("utf-16-le")
    if vtype == T_UINT8:
        return struct.pack("<B", value)
    if vtype == T_UINT16:
        return struct.pack("<H", value)
    if vtype == T_UINT32:
        return struct.pack("<I", value)
    if vtype in (T_UINT64, T_HEX64, T_FILETIME):
        return struct.pack("<Q", value)
    if vtype == T_GUID:
        return uuid.UUID(value).bytes_le
    if vtype == T_BINARY:
        return bytes(value)
    if vtype == T_SID:
        parts = value.split("-")
        subs = [int(p) for p in parts[3:]]
        return struct.pack("<BB", int(parts[1]), len(subs)) + int(parts[2]).to_bytes(6, "big") + \
            b"".join(struct.pack("<I", s) for s in subs)
    raise ValueError(vtype)


# Substitution slots of the <System> block, as Windows' own templates use them.
S_PROVIDER, S_GUID, S_EVENT_ID, S_QUALIFIERS, S_VERSION, S_LEVEL, S_TASK, S_OPCODE, \
    S_KEYWORDS, S_TIME, S_RECORD_ID, S_PID, S_TID, S_CHANNEL, S_COMPUTER, S_USER, \
    S_ACTIVITY = range(17)
FIRST_DATA = 17


def _event_tree(data_names, binary, unnamed):
    system = Elem("System", children=[
        Elem("Provider", attrs=[("Name", Sub(S_PROVIDER, T_STRING)),
                                ("Guid", Sub(S_GUID, T_GUID, optional=True))]),
        Elem("EventID", attrs=[("Qualifiers", Sub(S_QUALIFIERS, T_UINT16, optional=True))],
             children=[Sub(S_EVENT_ID, T_UINT16)]),
        Elem("Version", children=[Sub(S_VERSION, T_UINT8)]),
        Elem("Level", children=[Sub(S_LEVEL, T_UINT8)]),
        Elem("Task", children=[Sub(S_TASK, T_UINT16)]),
        Elem("Opcode", children=[Sub(S_OPCODE, T_UINT8)]),
        Elem("Keywords", children=[Sub(S_KEYWORDS, T_HEX64)]),
        Elem("TimeCreated", attrs=[("SystemTime", Sub(S_TIME, T_FILETIME))]),
        Elem("EventRecordID", children=[Sub(S_RECORD_ID, T_UINT64)]),
        Elem("Correlation", attrs=[("ActivityID", Sub(S_ACTIVITY, T_GUID, optional=True))]),
        Elem("Execution", attrs=[("ProcessID", Sub(S_PID, T_UINT32)),
                                 ("ThreadID", Sub(S_TID, T_UINT32))]),
        Elem("Channel", children=[Sub(S_CHANNEL, T_STRING)]),
        Elem("Computer", children=[Sub(S_COMPUTER, T_STRING)]),
        Elem("Security", attrs=[("UserID", Sub(S_USER, T_SID, optional=True))]),
    ])
    data = []
    for i, name in enumerate(data_names):
        attrs = [] if unnamed else [("Name", Text(name))]
        data.append(Elem("Data", attrs=attrs, children=[Sub(FIRST_DATA + i, T_STRING)]))
    if binary:
        data.append(Elem("Binary", children=[Sub(FIRST_DATA + len(data_names), T_BINARY)]))
    return Elem("Event", attrs=[("xmlns", Text(EVENT_NS))],
                children=[system, Elem("EventData", children=data)])


class Event:
    """One event. `data` is a list of (name, text); names None for classic unnamed data."""

    def __init__(self, when, provider, event_id, channel, computer, data=(), level=4,
                 qualifiers=None, guid=None, task=0, opcode=0, keywords=0x80000000000000,
                 binary=None, pid=0, tid=0, user=None, activity=None, version=0):
        self.__dict__.update(locals())
        del self.__dict__["self"]


def write_evtx(events, first_record_id=1):
    """The bytes of an .evtx file holding `events` in order."""
    chunks = [_Chunk()]
    record_id = first_record_id
    for number, ev in enumerate(events, start=1):
        names = tuple(n or "" for n, _ in ev.data)
        unnamed = all(n is None for n, _ in ev.data)
        key = (ev.provider, ev.event_id, names, unnamed, ev.binary is not None)
        guid = uuid.uuid5(uuid.NAMESPACE_OID, repr(key))
        tree = _event_tree(names, ev.binary is not None, unnamed)
        values = [
            (T_STRING, ev.provider), (T_GUID, ev.guid), (T_UINT16, ev.event_id),
            (T_UINT16, ev.qualifiers), (T_UINT8, ev.version), (T_UINT8, ev.level),
            (T_UINT16, ev.task), (T_UINT8, ev.opcode), (T_HEX64, ev.keywords),
            (T_FILETIME, filetime(ev.when)), (T_UINT64, record_id), (T_UINT32, ev.pid),
            (T_UINT32, ev.tid), (T_STRING, ev.channel), (T_STRING, ev.computer),
            (T_SID, ev.user), (T_GUID, ev.activity),
        ] + [(T_STRING, text) for _, text in ev.data]
        if ev.binary is not None:
            values.append((T_BINARY, ev.binary))
        for attempt in range(2):
            chunk = chunks[-1]
            record_at = chunk.offset()
            em = _Emitter(chunk, record_at + 24)
            em.buf += b"\x0f\x01\x01\x00"
            em.template_instance(key, guid, tree, values)
            em.u8(0x00)  # end of the record's fragment
            size = 24 + len(em.buf) + 4
            if record_at + size <= CHUNK_SIZE:
                break
            if attempt == 1 or not chunk.records:
                raise ValueError("event too large for one chunk")
            chunks.append(_Chunk())
        # Commit: chain new names and templates into the chunk's tables.
        for rel, bucket in getattr(em, "_chains", []):
            struct.pack_into("<I", em.buf, rel, chunk.string_table[bucket])
            chunk.string_table[bucket] = em.base + rel
        chunk.names.update(em.new_names)
        for tkey, (here, template_id) in em.new_templates.items():
            rel = here - em.base
            bucket = template_id % 32
            struct.pack_into("<I", em.buf, rel, chunk.template_table[bucket])
            chunk.template_table[bucket] = here
            chunk.templates[tkey] = here
        rec = struct.pack("<4sIQQ", b"**\0\0", size, record_id, filetime(ev.when)) + \
            bytes(em.buf) + struct.pack("<I", size)
        chunk.body += rec
        chunk.records.append((number, record_id, record_at))
        record_id += 1

    # A log with no events (an export whose query matched nothing) is a header alone.
    chunks = [c for c in chunks if c.records]
    out = bytearray()
    for chunk in chunks:
        out += _chunk_bytes(chunk)
    last = chunks[-1].records[-1] if chunks else (0, first_record_id - 1, 0)
    header = struct.pack("<8sQQQIHHHH", b"ElfFile\0", 0, max(len(chunks) - 1, 0), last[1] + 1,
                         128, 1, 3, FILE_HEADER, len(chunks))
    header += b"\0" * (120 - len(header)) + struct.pack("<I", 0)  # flags: clean
    header += struct.pack("<I", zlib.crc32(header[:120]))
    return bytes(header + b"\0" * (FILE_HEADER - len(header)) + out)


def _chunk_bytes(chunk):
    first, last = chunk.records[0], chunk.records[-1]
    free = chunk.offset()
    head = struct.pack("<8sQQQQIII", b"ElfChnk\0", first[0], last[0], first[1], last[1],
                       128, last[2], free)
    records = bytes(chunk.body)
    head += struct.pack("<I", zlib.crc32(records))
    head += b"\0" * (120 - len(head)) + struct.pack("<I", 0)  # flags
    tables = struct.pack("<64I", *chunk.string_table) + struct.pack("<32I", *chunk.template_table)
    crc = zlib.crc32(head[:120] + tables)
    data = head + struct.pack("<I", crc) + tables + records
    return data + b"\0" * (CHUNK_SIZE - len(data))
