using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ModelGateway.Testing;

/// <summary>A tensor of a generated safetensors file (its bytes are zeros).</summary>
public sealed record TensorSpec(string Name, string Dtype, int[] Shape);

/// <summary>
/// Real model-file bytes for tests, built the way the real writers build them (safetensors, torch.save's zip,
/// pickle opcodes, GGUF). Linked into both test projects.
/// </summary>
public static class ModelFiles
{
    /// <summary>A complete safetensors file: u64 LE header length, JSON header (padded with spaces to 8 bytes), zeroed data.</summary>
    public static byte[] SafeTensors(IReadOnlyDictionary<string, string>? metadata = null, IEnumerable<TensorSpec>? tensors = null, int padTo = 8)
    {
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            header["__metadata__"] = metadata;
        }
        long offset = 0;
        foreach (var tensor in tensors ?? [new TensorSpec("model.diffusion_model.input_blocks.0.0.weight", "F16", [4, 4])])
        {
            var size = tensor.Shape.Aggregate(1L, (a, b) => a * b) * DtypeSize(tensor.Dtype);
            header[tensor.Name] = new Dictionary<string, object>
            {
                ["dtype"] = tensor.Dtype,
                ["shape"] = tensor.Shape,
                ["data_offsets"] = new[] { offset, offset + size },
            };
            offset += size;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var headerLength = (json.Length + padTo - 1) / padTo * padTo;
        var file = new byte[8 + headerLength + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerLength);
        file.AsSpan(8, headerLength).Fill((byte)' ');
        json.CopyTo(file, 8);
        return file;
    }

    /// <summary>The usual ModelSpec metadata of a LoRA trained with kohya's scripts.</summary>
    public static Dictionary<string, string> LoraMetadata(string title, string? thumbnail = null)
    {
        var metadata = new Dictionary<string, string>
        {
            ["modelspec.sai_model_spec"] = "1.0.0",
            ["modelspec.architecture"] = "stable-diffusion-xl-v1-base/lora",
            ["modelspec.implementation"] = "https://github.com/Stability-AI/generative-models",
            ["modelspec.title"] = title,
            ["ss_network_module"] = "networks.lora",
        };
        if (thumbnail is not null)
        {
            metadata["modelspec.thumbnail"] = thumbnail;
        }
        return metadata;
    }

    /// <summary>A 1x1 PNG (signature, IHDR, IDAT, IEND).</summary>
    public static byte[] Png() => Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    public static string PngDataUrl() => "data:image/png;base64," + Convert.ToBase64String(Png());

    /// <summary>
    /// <c>pickle.dumps(collections.OrderedDict(), protocol)</c> for protocol 2 (GLOBAL, BINPUT, EMPTY_TUPLE, REDUCE)
    /// or 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, EMPTY_TUPLE, REDUCE), byte for byte as CPython writes it.
    /// </summary>
    public static byte[] Pickle(int protocol) => protocol switch
    {
        2 => [0x80, 0x02, .. "ccollections\nOrderedDict\nq\x00)Rq\x01."u8],
        4 => [0x80, 0x04, 0x95, 0x22, 0, 0, 0, 0, 0, 0, 0, 0x8C, 0x0B, .. "collections"u8, 0x94, 0x8C, 0x0B, .. "OrderedDict"u8,
            0x94, 0x93, 0x94, (byte)')', (byte)'R', 0x94, (byte)'.'],
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Only protocols 2 and 4 are built."),
    };

    /// <summary>
    /// Legacy (pre-1.6) torch.save: the magic number pickled with protocol 2, then the protocol version, sys_info, the
    /// state dict, the storage keys and the storages (<see cref="TorchFiles.Legacy"/>).
    /// </summary>
    public static byte[] LegacyTorch() => TorchFiles.Legacy();

    /// <summary>
    /// A zip laid out like <c>torch.save</c>'s: <c>{root}/data.pkl</c> first, then byteorder, a storage and the version,
    /// stored uncompressed (as PyTorch writes them).
    /// </summary>
    public static byte[] TorchZip(string root = "archive", int storageBytes = 64)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, $"{root}/data.pkl", Pickle(2));
            Add(zip, $"{root}/byteorder", "little"u8.ToArray());
            Add(zip, $"{root}/data/0", new byte[storageBytes]);
            Add(zip, $"{root}/version", "3\n"u8.ToArray());
        }
        return buffer.ToArray();
    }

    /// <summary>A zip of plain files (no pickle in it).</summary>
    public static byte[] PlainZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "readme.txt", "hello"u8.ToArray());
            Add(zip, "weights/0.npy", Npy());
        }
        return buffer.ToArray();
    }

    /// <summary>A NumPy .npy file of four float32 zeros.</summary>
    public static byte[] Npy()
    {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"u8;
        var padded = (10 + header.Length + 1 + 63) / 64 * 64 - 10;
        var file = new byte[10 + padded + 16];
        ((ReadOnlySpan<byte>)[0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]).CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), (ushort)padded);
        file.AsSpan(10, padded).Fill((byte)' ');
        header.CopyTo(file.AsSpan(10));
        file[10 + padded - 1] = (byte)'\n';
        return file;
    }

    /// <summary>
    /// A GGUF header: every scalar value type, a string array and a nested array come before <c>general.name</c>
    /// and <c>general.architecture</c>, so a reader must skip them all correctly to find the names.
    /// </summary>
    public static byte[] Gguf(string? name = "Tiny Llama", string? architecture = "llama", uint version = 3, int tensorCount = 2)
    {
        using var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer, Encoding.UTF8);
        writer.Write("GGUF"u8);
        writer.Write(version);
        writer.Write((ulong)tensorCount);
        var kv = new List<Action>
        {
            () => { Key(writer, "test.u8", 0); writer.Write((byte)7); },
            () => { Key(writer, "test.i8", 1); writer.Write((sbyte)-7); },
            () => { Key(writer, "test.u16", 2); writer.Write((ushort)7); },
            () => { Key(writer, "test.i16", 3); writer.Write((short)-7); },
            () => { Key(writer, "general.quantization_version", 4); writer.Write(2u); },
            () => { Key(writer, "test.i32", 5); writer.Write(-7); },
            () => { Key(writer, "test.f32", 6); writer.Write(0.5f); },
            () => { Key(writer, "test.bool", 7); writer.Write((byte)1); },
            () => { Key(writer, "general.license", 8); String(writer, "apache-2.0"); },
            () => { Key(writer, "general.tags", 9); writer.Write(8u); writer.Write(2UL); String(writer, "text"); String(writer, "llm"); },
            () => { Key(writer, "test.i32s", 9); writer.Write(5u); writer.Write(3UL); writer.Write(1); writer.Write(2); writer.Write(3); },
            () =>
            {
                Key(writer, "test.nested", 9);
                writer.Write(9u); writer.Write(2UL);
                writer.Write(10u); writer.Write(1UL); writer.Write(42UL);
                writer.Write(8u); writer.Write(1UL); String(writer, "inner");
            },
            () => { Key(writer, "general.alignment", 10); writer.Write(32UL); },
            () => { Key(writer, "test.i64", 11); writer.Write(-7L); },
            () => { Key(writer, "test.f64", 12); writer.Write(0.25d); },
        };
        if (architecture is not null)
        {
            kv.Add(() => { Key(writer, "general.architecture", 8); String(writer, architecture); });
        }
        if (name is not null)
        {
            kv.Add(() => { Key(writer, "general.name", 8); String(writer, name); });
        }
        writer.Write((ulong)kv.Count);
        foreach (var write in kv)
        {
            write();
        }
        // The tensor infos that follow: name, n_dims, dims, type, offset.
        for (var i = 0; i < tensorCount; i++)
        {
            String(writer, $"blk.{i}.attn_q.weight");
            writer.Write(2u); writer.Write(8UL); writer.Write(8UL); writer.Write(0u); writer.Write((ulong)(i * 256));
        }
        writer.Flush();
        return buffer.ToArray();
    }

    private static void Key(BinaryWriter writer, string key, uint type)
    {
        String(writer, key);
        writer.Write(type);
    }

    private static void String(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        using var stream = entry.Open();
        stream.Write(content);
    }

    private static int DtypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        _ => 1,
    };
}
