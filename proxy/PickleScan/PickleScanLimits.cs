namespace ModelGateway.PickleScan;

/// <summary>
/// How much work one scan may do. Over any bound the file is <c>unscannable</c> (never <c>safe</c>): a host cannot make
/// the gateway hold or chew on more than this. Defaults are in <c>docs/pickle-scan.md</c>.
/// </summary>
internal sealed record PickleScanLimits
{
    public static readonly PickleScanLimits Default = new();

    /// <summary>Largest pickle (a torch zip's <c>data.pkl</c>, a legacy file's pickles, a raw pickle) the scan reads.</summary>
    public long MaxPickleBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Opcodes per file (all its pickles).</summary>
    public long MaxOpcodes { get; init; } = 16_000_000;

    /// <summary>Values on the stack at once (all marks' items together).</summary>
    public int MaxStack { get; init; } = 1_000_000;

    /// <summary>Open MARKs at once.</summary>
    public int MaxMarks { get; init; } = 1_000;

    /// <summary>Memo entries.</summary>
    public int MaxMemo { get; init; } = 1_000_000;

    /// <summary>One string's or bytes object's length (also a text opcode's line).</summary>
    public long MaxStringBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Bytes of one <c>LONG1</c>/<c>LONG4</c> integer (the legacy magic number takes 10).</summary>
    public int MaxLongBytes { get; init; } = 64;

    /// <summary>Distinct globals per file.</summary>
    public int MaxGlobals { get; init; } = 10_000;

    /// <summary>Zip entries (central directory records).</summary>
    public int MaxZipEntries { get; init; } = 200_000;

    /// <summary>Wall time of one scan.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(2);
}
