namespace ModelGateway.PickleScan;

/// <summary>
/// What the abstract pickle machine puts on its stack: the kind of each value and the little the rules need (a
/// string's text, an integer's value, a tuple's items, a global's name). Nothing here is ever imported or called.
/// </summary>
internal abstract class PickleValue
{
    public abstract string Kind { get; }
}

internal sealed class PickleNone : PickleValue
{
    public static readonly PickleNone Instance = new();

    public override string Kind => "None";
}

internal sealed class PickleBool : PickleValue
{
    public static readonly PickleBool Instance = new();

    public override string Kind => "bool";
}

/// <summary>An integer; <see cref="Value"/> when it fits in 64 bits.</summary>
internal sealed class PickleInt(long? value) : PickleValue
{
    public static readonly PickleInt Unknown = new(null);

    // Shapes, strides, offsets and flags are small: shared instances spare most allocations.
    private static readonly PickleInt[] Small = [.. Enumerable.Range(0, 1024).Select(i => new PickleInt(i))];

    public static PickleInt Of(long value) => value is >= 0 and < 1024 ? Small[value] : new PickleInt(value);

    public long? Value { get; } = value;

    public override string Kind => "int";
}

internal sealed class PickleFloat : PickleValue
{
    public static readonly PickleFloat Instance = new();

    public override string Kind => "float";
}

/// <summary>
/// A str; <see cref="Value"/> null when it was too long to keep or is no valid UTF-8 (such a string names no global).
/// A binary string is decoded only when a rule reads it (a global's operand, a persistent id): most never are.
/// </summary>
internal sealed class PickleStr : PickleValue
{
    public const int MaxKeptChars = 1024;

    private readonly byte[]? _source;
    private readonly int _offset;
    private readonly int _length;
    private readonly bool _latin1;
    private string? _value;
    private bool _decoded;

    public PickleStr(string? value)
    {
        _value = value;
        _decoded = true;
    }

    /// <summary>The string encoded in <paramref name="source"/> (UTF-8, or Latin-1 for protocol-2 <c>BINSTRING</c>s).</summary>
    public PickleStr(byte[] source, int offset, int length, bool latin1)
    {
        _source = source;
        _offset = offset;
        _length = length;
        _latin1 = latin1;
        _decoded = length > MaxKeptChars;
    }

    public string? Value
    {
        get
        {
            if (!_decoded)
            {
                var bytes = _source.AsSpan(_offset, _length);
                _value = _latin1 ? System.Text.Encoding.Latin1.GetString(bytes)
                    : System.Text.Unicode.Utf8.IsValid(bytes) ? System.Text.Encoding.UTF8.GetString(bytes) : null;
                _decoded = true;
            }
            return _value;
        }
    }

    public override string Kind => "str";
}

internal sealed class PickleBytes : PickleValue
{
    public static readonly PickleBytes Instance = new();

    public override string Kind => "bytes";
}

internal sealed class PickleTuple(PickleValue[] items) : PickleValue
{
    public static readonly PickleTuple Empty = new([]);

    public PickleValue[] Items { get; } = items;

    public override string Kind => "tuple";
}

internal sealed class PickleList : PickleValue
{
    public List<PickleValue> Items { get; } = [];

    public override string Kind => "list";
}

internal sealed class PickleDict : PickleValue
{
    public override string Kind => "dict";
}

internal sealed class PickleSet(bool frozen) : PickleValue
{
    public bool Frozen { get; } = frozen;

    public override string Kind => Frozen ? "frozenset" : "set";
}

/// <summary>A global as the unpickler would look it up (canonical module and name) and how the lists class it.</summary>
internal sealed class PickleGlobal(string module, string name, GlobalClass @class) : PickleValue
{
    public string Module { get; } = module;

    public string Name { get; } = name;

    public GlobalClass Class { get; } = @class;

    public string FullName => Module + "." + Name;

    public override string Kind => "global";
}

/// <summary>What calling an allowed global would return (a tensor, an OrderedDict, a Size, …).</summary>
internal sealed class PickleObject(PickleGlobal type) : PickleValue
{
    public PickleGlobal Type { get; } = type;

    public override string Kind => "object of " + Type.FullName;
}

/// <summary>A storage a persistent id names: <c>data/&lt;Key&gt;</c> of <see cref="Bytes"/> bytes.</summary>
internal sealed record StorageReference(string Key, string StorageType, long Numel, Int128 Bytes);

internal sealed class PickleStorage(StorageReference reference) : PickleValue
{
    public StorageReference Reference { get; } = reference;

    public override string Kind => "storage";
}

/// <summary>
/// The result of something the rules already reported (a call of a global off the allow-list, an extension opcode, …):
/// nothing is known of it.
/// </summary>
internal sealed class PickleOpaque : PickleValue
{
    public static readonly PickleOpaque Instance = new();

    public override string Kind => "opaque";
}
