using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ModelGateway.Testing;

/// <summary>Writes pickle opcodes byte for byte as CPython's pickle module spells them (a test's own tiny pickler).</summary>
public sealed class PickleWriter
{
    private readonly List<byte> bytes = [];

    public byte[] ToArray() => [.. bytes];

    public PickleWriter Op(byte opcode)
    {
        bytes.Add(opcode);
        return this;
    }

    public PickleWriter Raw(ReadOnlySpan<byte> raw)
    {
        bytes.AddRange(raw);
        return this;
    }

    public PickleWriter Proto(int protocol) => Op(0x80).Op((byte)protocol);

    public PickleWriter Mark() => Op((byte)'(');

    public PickleWriter Stop() => Op((byte)'.');

    public PickleWriter Global(string module, string name) => Op((byte)'c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleWriter StackGlobal() => Op(0x93);

    public PickleWriter Unicode(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        if (utf8.Length < 256 && bytes.Count > 1 && bytes[1] >= 4)
        {
            return Op(0x8C).Op((byte)utf8.Length).Raw(utf8); // SHORT_BINUNICODE (protocol 4+)
        }
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        return Op((byte)'X').Raw(length).Raw(utf8); // BINUNICODE
    }

    public PickleWriter Number(long value)
    {
        if (value is >= 0 and < 256)
        {
            return Op((byte)'K').Op((byte)value);
        }
        if (value is >= 0 and < 65536)
        {
            Span<byte> two = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)value);
            return Op((byte)'M').Raw(two);
        }
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            Span<byte> four = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(four, (int)value);
            return Op((byte)'J').Raw(four);
        }
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(eight, value);
        return Op(0x8A).Op(8).Raw(eight); // LONG1
    }

    public PickleWriter Put(int index) => index < 256 ? Op((byte)'q').Op((byte)index) : Op((byte)'r').Raw(BitConverter.GetBytes(index));

    public PickleWriter Get(int index) => index < 256 ? Op((byte)'h').Op((byte)index) : Op((byte)'j').Raw(BitConverter.GetBytes(index));

    public PickleWriter Memoize() => Op(0x94);

    public PickleWriter EmptyTuple() => Op((byte)')');

    public PickleWriter Tuple() => Op((byte)'t');

    public PickleWriter Tuple1() => Op(0x85);

    public PickleWriter Tuple2() => Op(0x86);

    public PickleWriter EmptyDict() => Op((byte)'}');

    public PickleWriter EmptyList() => Op((byte)']');

    public PickleWriter Reduce() => Op((byte)'R');

    public PickleWriter NewObj() => Op(0x81);

    public PickleWriter Build() => Op((byte)'b');

    public PickleWriter SetItem() => Op((byte)'s');

    public PickleWriter SetItems() => Op((byte)'u');

    public PickleWriter Append() => Op((byte)'a');

    public PickleWriter Appends() => Op((byte)'e');

    public PickleWriter BinPersId() => Op((byte)'Q');

    public PickleWriter False() => Op(0x89);

    public PickleWriter True() => Op(0x88);

    public PickleWriter None() => Op((byte)'N');
}

/// <summary>A tensor of a generated torch file: its name, storage class (e.g. <c>FloatStorage</c>), shape.</summary>
public sealed record TorchTensor(string Name, string Storage, int[] Shape)
{
    public long Numel => Shape.Aggregate(1L, (a, b) => a * b);

    public int ElementSize => Storage switch
    {
        "DoubleStorage" or "LongStorage" => 8,
        "FloatStorage" or "IntStorage" => 4,
        "HalfStorage" or "BFloat16Storage" or "ShortStorage" => 2,
        _ => 1,
    };
}

/// <summary>One zip entry as the torch zip writer (miniz via PyTorchStreamWriter) writes it, with knobs for the tricks.</summary>
public sealed record ZipEntrySpec(string Name, byte[] Data)
{
    /// <summary>General-purpose flags in both headers: torch writes 0x0808 (data descriptor, UTF-8).</summary>
    public ushort Flags { get; init; } = 0x0808;

    public ushort Method { get; init; }

    /// <summary>A different name in the local header than in the central directory (CVE-2025-1944).</summary>
    public string? LocalName { get; init; }

    /// <summary>A CRC in the central directory other than the data's (CVE-2025-10156).</summary>
    public uint? CentralCrc { get; init; }

    /// <summary>The size the central directory states, when it should lie.</summary>
    public long? CentralSize { get; init; }
}

/// <summary>
/// Torch files as <c>torch.save</c> writes them, byte for byte: the zip layout (<c>data.pkl</c> first, stored, <c>FB</c>
/// padding to 64 bytes, a data descriptor after each entry, zip64 end records) and the legacy five-pickle layout.
/// </summary>
public static class TorchFiles
{
    public static readonly TorchTensor[] SmallModel =
    [
        new("model.diffusion_model.input_blocks.0.0.weight", "HalfStorage", [4, 2]),
        new("model.diffusion_model.input_blocks.0.0.bias", "FloatStorage", [4]),
    ];

    /// <summary>
    /// The protocol-2 pickle of an OrderedDict state dict as torch.save writes it: OrderedDict REDUCE, SETITEMS of
    /// <c>_rebuild_tensor_v2((persistent storage id), offset, size, stride, requires_grad, OrderedDict())</c>, then BUILD of
    /// the <c>_metadata</c> attribute. <paramref name="legacy"/>: persistent ids carry the legacy sixth item (None).
    /// <paramref name="numelLie"/>: added to every declared numel (the storage-size class).
    /// </summary>
    public static byte[] StateDictPickle(IReadOnlyList<TorchTensor> tensors, bool legacy = false, long numelLie = 0)
    {
        var w = new PickleWriter().Proto(2).Global("collections", "OrderedDict").Put(0).EmptyTuple().Reduce().Put(1).Mark();
        var memo = 2;
        int? rebuild = null;
        var storageGlobals = new Dictionary<string, int>();
        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            w.Unicode(tensor.Name).Put(memo++);
            if (rebuild is { } r)
            {
                w.Get(r);
            }
            else
            {
                w.Global("torch._utils", "_rebuild_tensor_v2").Put(memo);
                rebuild = memo++;
            }
            w.Mark().Mark().Unicode("storage").Put(memo++);
            if (storageGlobals.TryGetValue(tensor.Storage, out var g))
            {
                w.Get(g);
            }
            else
            {
                w.Global("torch", tensor.Storage).Put(memo);
                storageGlobals[tensor.Storage] = memo++;
            }
            w.Unicode(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Put(memo++).Unicode("cpu").Put(memo++).Number(tensor.Numel + numelLie);
            if (legacy)
            {
                w.None();
            }
            w.Tuple().Put(memo++).BinPersId().Number(0);
            TupleOf(w, tensor.Shape);
            w.Put(memo++);
            TupleOf(w, Strides(tensor.Shape));
            w.Put(memo++).False().Get(0).EmptyTuple().Reduce().Put(memo++).Tuple().Put(memo++).Reduce().Put(memo++);
        }
        w.SetItems();
        // _metadata = OrderedDict({"": {"version": 1}}), set by BUILD as torch's state_dict() leaves it.
        w.EmptyDict().Put(memo++).Unicode("_metadata").Put(memo++).Get(0).EmptyTuple().Reduce().Put(memo++)
            .Unicode("").Put(memo++).EmptyDict().Put(memo++).Unicode("version").Put(memo++).Number(1).SetItem().SetItem()
            .SetItem().Build().Stop();
        return w.ToArray();
    }

    private static void TupleOf(PickleWriter w, int[] values)
    {
        switch (values.Length)
        {
            case 0: w.EmptyTuple(); break;
            case 1: w.Number(values[0]).Tuple1(); break;
            case 2: w.Number(values[0]).Number(values[1]).Tuple2(); break;
            default:
                w.Mark();
                foreach (var v in values)
                {
                    w.Number(v);
                }
                w.Tuple();
                break;
        }
    }

    private static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        var stride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }

    /// <summary>The entries torch.save writes, in its order: data.pkl, .format_version, .storage_alignment, byteorder, data/N, version, .data/serialization_id.</summary>
    public static List<ZipEntrySpec> ZipEntries(byte[] dataPkl, IReadOnlyList<TorchTensor> tensors, string root = "archive")
    {
        var entries = new List<ZipEntrySpec>
        {
            new($"{root}/data.pkl", dataPkl),
            new($"{root}/.format_version", "1"u8.ToArray()),
            new($"{root}/.storage_alignment", "64"u8.ToArray()),
            new($"{root}/byteorder", "little"u8.ToArray()),
        };
        for (var i = 0; i < tensors.Count; i++)
        {
            entries.Add(new($"{root}/data/{i}", new byte[tensors[i].Numel * tensors[i].ElementSize]));
        }
        entries.Add(new($"{root}/version", "3\n"u8.ToArray()));
        entries.Add(new($"{root}/.data/serialization_id", "1234567890123456789012345678901234567890"u8.ToArray()));
        return entries;
    }

    /// <summary>A benign torch.save zip of <paramref name="tensors"/> (default <see cref="SmallModel"/>).</summary>
    public static byte[] Zip(IReadOnlyList<TorchTensor>? tensors = null, string root = "archive")
    {
        tensors ??= SmallModel;
        return WriteZip(ZipEntries(StateDictPickle(tensors), tensors, root));
    }

    /// <summary>
    /// Writes entries as miniz does for torch: each local header with zero CRC and sizes (flag bit 3), an <c>FB</c> extra
    /// field padding the data to a 64-byte boundary, the data, a data descriptor (<c>PK\7\8</c>, CRC, sizes); then
    /// the central directory, a zip64 end record, its locator and the end record.
    /// </summary>
    public static byte[] WriteZip(IEnumerable<ZipEntrySpec> entries)
    {
        using var file = new MemoryStream();
        var central = new MemoryStream();
        var count = 0;
        foreach (var entry in entries)
        {
            count++;
            var offset = file.Position;
            var localName = Encoding.UTF8.GetBytes(entry.LocalName ?? entry.Name);
            var name = Encoding.UTF8.GetBytes(entry.Name);
            var crc = Crc32.HashToUInt32(entry.Data);
            var descriptor = (entry.Flags & 0x08) != 0;
            var headerEnd = offset + 30 + localName.Length;
            var padding = (int)((64 - ((headerEnd + 4) % 64)) % 64);
            var extra = new byte[4 + padding];
            extra[0] = (byte)'F';
            extra[1] = (byte)'B';
            BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)padding);
            extra.AsSpan(4).Fill((byte)'Z');
            var local = new byte[30];
            BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034B50);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(6), entry.Flags);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(8), entry.Method);
            if (!descriptor)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(14), crc);
                BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(18), (uint)entry.Data.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(22), (uint)entry.Data.Length);
            }
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(26), (ushort)localName.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(28), (ushort)extra.Length);
            file.Write(local);
            file.Write(localName);
            file.Write(extra);
            file.Write(entry.Data);
            if (descriptor)
            {
                var dd = new byte[16];
                BinaryPrimitives.WriteUInt32LittleEndian(dd, 0x08074B50);
                BinaryPrimitives.WriteUInt32LittleEndian(dd.AsSpan(4), crc);
                BinaryPrimitives.WriteUInt32LittleEndian(dd.AsSpan(8), (uint)entry.Data.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(dd.AsSpan(12), (uint)entry.Data.Length);
                file.Write(dd);
            }
            var record = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x02014B50);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4), 0x031E);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(6), 0x0014);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(8), entry.Flags);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(10), entry.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(16), entry.CentralCrc ?? crc);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(20), (uint)(entry.CentralSize ?? entry.Data.Length));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(24), (uint)(entry.CentralSize ?? entry.Data.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(28), (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(42), (uint)offset);
            central.Write(record);
            central.Write(name);
        }
        var centralOffset = file.Position;
        file.Write(central.ToArray());
        var zip64Offset = file.Position;
        var z64 = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(z64, 0x06064B50);
        BinaryPrimitives.WriteUInt64LittleEndian(z64.AsSpan(4), 44);
        BinaryPrimitives.WriteUInt16LittleEndian(z64.AsSpan(12), 0x031E);
        BinaryPrimitives.WriteUInt16LittleEndian(z64.AsSpan(14), 0x002D);
        BinaryPrimitives.WriteUInt64LittleEndian(z64.AsSpan(24), (ulong)count);
        BinaryPrimitives.WriteUInt64LittleEndian(z64.AsSpan(32), (ulong)count);
        BinaryPrimitives.WriteUInt64LittleEndian(z64.AsSpan(40), (ulong)central.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(z64.AsSpan(48), (ulong)centralOffset);
        file.Write(z64);
        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064B50);
        BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)zip64Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
        file.Write(locator);
        var eocd = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(eocd, 0x06054B50);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(10), 0xFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd.AsSpan(12), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd.AsSpan(16), 0xFFFFFFFF);
        file.Write(eocd);
        return file.ToArray();
    }

    /// <summary>
    /// A legacy (non-zip) torch.save file: the magic number, the protocol version 1001, sys_info, the state dict,
    /// the storage keys, then each storage as its element count (u64) and its bytes.
    /// </summary>
    public static byte[] Legacy(IReadOnlyList<TorchTensor>? tensors = null, byte[]? objectPickle = null, byte[]? keysPickle = null)
    {
        tensors ??= SmallModel;
        var file = new List<byte>();
        file.AddRange([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, (byte)'.']);
        file.AddRange(new PickleWriter().Proto(2).Number(1001).Stop().ToArray());
        file.AddRange(new PickleWriter().Proto(2).EmptyDict().Put(0).Mark()
            .Unicode("protocol_version").Put(1).Number(1001).Unicode("little_endian").Put(2).True()
            .Unicode("type_sizes").Put(3).EmptyDict().Put(4).Mark().Unicode("short").Put(5).Number(2).Unicode("int").Put(6).Number(4)
            .Unicode("long").Put(7).Number(4).SetItems().SetItems().Stop().ToArray());
        file.AddRange(objectPickle ?? StateDictPickle(tensors, legacy: true));
        var keys = new PickleWriter().Proto(2).EmptyList().Put(0).Mark();
        for (var i = 0; i < tensors.Count; i++)
        {
            keys.Unicode(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Put(i + 1);
        }
        file.AddRange(keysPickle ?? keys.Appends().Stop().ToArray());
        foreach (var tensor in tensors)
        {
            file.AddRange(BitConverter.GetBytes(tensor.Numel));
            file.AddRange(new byte[tensor.Numel * tensor.ElementSize]);
        }
        return [.. file];
    }

    /// <summary>A 7z archive's signature header (version 0.4) around arbitrary bytes: what nullifAI wrapped its pickle in.</summary>
    public static byte[] SevenZip(byte[] payload) => [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0x00, 0x04, .. new byte[24], .. payload];
}

/// <summary>A pickle-bearing test file: its bytes, the name a host serves it under, the rule that must catch it.</summary>
public sealed record PickleFixture(string Id, byte[] Bytes, string FileName, string Rule)
{
    public override string ToString() => Id;
}

/// <summary>
/// One fixture per bypass class the scan must close (issue #22), and the benign files that must pass as safe.
/// Each is built the way the attack builds it, from opcodes.
/// </summary>
public static class PickleBypasses
{
    private static byte[] OsSystemReduce() =>
        new PickleWriter().Proto(2).Global("os", "system").Put(0).Unicode("echo pwned").Tuple1().Reduce().Stop().ToArray();

    /// <summary>The benign files: a torch zip, a legacy torch file, a raw pickle of a training state.</summary>
    public static byte[] BenignZip() => TorchFiles.Zip();

    public static byte[] BenignLegacy() => TorchFiles.Legacy();

    public static byte[] BenignRaw() => new PickleWriter().Proto(2)
        .Global("collections", "OrderedDict").Put(0).EmptyTuple().Reduce().Put(1).Mark()
        .Unicode("step").Number(1000)
        .Unicode("shape").Global("torch", "Size").Number(4).Number(2).Tuple2().Tuple1().Reduce()
        .Unicode("name").Unicode("embedding")
        .Unicode("blob").Global("_codecs", "encode").Unicode("abc").Unicode("latin1").Tuple2().Reduce()
        .SetItems().Stop().ToArray();

    /// <summary>numpy's <c>_reconstruct</c>, as old SD checkpoints pickle their numpy values (the extension set).</summary>
    public static byte[] NumpyExtension() => new PickleWriter().Proto(2)
        .Global("numpy.core.multiarray", "_reconstruct").Global("numpy", "ndarray").Number(0).Tuple1().Unicode("b").Op(0x87).Reduce()
        .Stop().ToArray();

    public static IReadOnlyList<PickleFixture> All { get; } = Build();

    public static PickleFixture Get(string id) => All.Single(f => f.Id == id);

    private static List<PickleFixture> Build()
    {
        var tensors = TorchFiles.SmallModel;
        var benignPkl = TorchFiles.StateDictPickle(tensors);
        List<ZipEntrySpec> Entries(byte[]? dataPkl = null) => TorchFiles.ZipEntries(dataPkl ?? benignPkl, tensors);

        var dangerousZip = TorchFiles.WriteZip(Entries(OsSystemReduce()));

        // pip.main(["install", …]) through STACK_GLOBAL (CVE-2025-1716: pip was on no deny-list).
        var pipMain = new PickleWriter().Proto(4).Unicode("pip").Memoize().Unicode("main").Memoize().StackGlobal().Memoize()
            .EmptyList().Memoize().Unicode("install").Append().Tuple1().Reduce().Stop().ToArray();

        // pkgutil.resolve_name("os:system")("…"): the "universal bypass" (GHSA-vvpj-8cmc-gx39).
        var resolveName = new PickleWriter().Proto(2).Global("pkgutil", "resolve_name").Unicode("os:system").Tuple1().Reduce()
            .Unicode("echo pwned").Tuple1().Reduce().Stop().ToArray();

        // The memo rewritten after the allowed names went in: a scanner replaying the wrong memo sees OrderedDict.
        var memoGlobal = new PickleWriter().Proto(4).Unicode("collections").Put(0).Unicode("OrderedDict").Put(1).Op((byte)'0').Op((byte)'0')
            .Unicode("os").Put(0).Unicode("system").Put(1).Op((byte)'0').Op((byte)'0')
            .Get(0).Get(1).StackGlobal().Unicode("echo pwned").Tuple1().Reduce().Stop().ToArray();

        // STACK_GLOBAL operands computed by an allowed call (_codecs.encode returns bytes, not a literal).
        var computedGlobal = new PickleWriter().Proto(4).Global("_codecs", "encode").Unicode("os").Unicode("latin1").Tuple2().Reduce().Put(0).Op((byte)'0')
            .Get(0).Unicode("system").StackGlobal().Unicode("echo pwned").Tuple1().Reduce().Stop().ToArray();

        // modelscan#85: BUILD sets an attribute on an allowed global, a dotted name then reaches it.
        var buildOnGlobal = new PickleWriter().Proto(4).Global("collections", "OrderedDict").EmptyDict().Unicode("a").Unicode("os").SetItem()
            .Build().Op((byte)'0').Unicode("collections").Unicode("OrderedDict.a").StackGlobal().Stop().ToArray();

        // getattr(dict, "fromkeys")(…): a call of a call's result (spelled __builtin__ below protocol 3, as Python 2 did).
        var getattrChain = new PickleWriter().Proto(2).Global("__builtin__", "getattr").Global("collections", "OrderedDict").Unicode("fromkeys")
            .Tuple2().Reduce().Unicode("x").Tuple1().Reduce().Stop().ToArray();

        // nullifAI: the payload runs, then the stream breaks so a scanner stops (and forgets) while the loader already ran it.
        var broken = new PickleWriter().Proto(2).Global("evil_module", "run").Unicode("payload").Tuple1().Reduce().Op(0xFF).ToArray();
        var brokenZip = TorchFiles.WriteZip(Entries(broken));

        var torchScript = Entries();
        torchScript.Insert(1, new ZipEntrySpec("archive/code/__torch__.py", "def forward(self):\n  return __import__('os').system('x')\n"u8.ToArray()));
        torchScript.Insert(2, new ZipEntrySpec("archive/constants.pkl", new PickleWriter().Proto(2).EmptyTuple().Stop().ToArray()));

        var flagged = Entries();
        flagged[0] = flagged[0] with { Flags = 0x0809 };

        var renamed = Entries(OsSystemReduce());
        renamed[0] = renamed[0] with { LocalName = "archive/data.bin" };

        var duplicate = Entries();
        duplicate.Insert(1, new ZipEntrySpec("archive/data.pkl", OsSystemReduce()));

        var setItemOnList = new PickleWriter().Proto(2).EmptyList().Unicode("key").Number(1).SetItem().Stop().ToArray();

        var sizeLie = TorchFiles.WriteZip(Entries(TorchFiles.StateDictPickle(tensors, numelLie: 1_000_000)));

        var protocol0 = "cos\nsystem\n(S'echo pwned'\ntR."u8.ToArray();

        return
        [
            new("os-system-reduce", dangerousZip, "model.ckpt", "global-denied"),
            new("pip-main", pipMain, "model.pkl", "global-denied"),
            new("pkgutil-resolve-name", resolveName, "model.pt", "global-denied"),
            new("memo-stack-global", memoGlobal, "model.pkl", "global-denied"),
            new("computed-stack-global", computedGlobal, "model.pkl", "global-computed"),
            new("build-on-global", buildOnGlobal, "model.pkl", "build-on-global"),
            new("getattr-chain", getattrChain, "model.pkl", "call-target"),
            new("broken-after-payload", brokenZip, "model.ckpt", "parse-error"),
            new("torchscript-zip", TorchFiles.WriteZip(torchScript), "model.pt", "zip-torchscript"),
            new("zip-flag-bits", TorchFiles.WriteZip(flagged), "model.ckpt", "zip-flags"),
            new("local-central-mismatch", TorchFiles.WriteZip(renamed), "model.ckpt", "zip-local-central"),
            new("duplicate-data-pkl", TorchFiles.WriteZip(duplicate), "model.ckpt", "zip-data-pkl"),
            new("7z-wrapper", TorchFiles.SevenZip(dangerousZip), "model.pt", "container-unsupported"),
            new("setitem-on-list", setItemOnList, "model.pkl", "setitem-target"),
            new("storage-size-mismatch", sizeLie, "model.ckpt", "storage-size"),
            new("protocol0-text-global", protocol0, "model.pkl", "global-denied"),
        ];
    }
}
