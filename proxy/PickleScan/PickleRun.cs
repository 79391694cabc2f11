namespace ModelGateway.PickleScan;

/// <summary>How one pickle's run ended.</summary>
internal enum PickleRunEnd
{
    /// <summary>STOP was reached.</summary>
    Stopped,

    /// <summary>The bytes ran out before STOP, and more may exist (a head, a stream still arriving).</summary>
    Truncated,

    /// <summary>A parse error (reported as <c>parse-error</c>): the unpickler would fail here too, after running what came before.</summary>
    Failed,

    /// <summary>A bound was reached (reported as <c>limit</c>, <c>unscannable</c>).</summary>
    Limit,
}

/// <summary>One pickle's run: how it ended, how many bytes it took (to STOP), the storages it names, its value.</summary>
internal sealed record PickleRun(PickleRunEnd End, int Length, IReadOnlyList<StorageReference> Storages, PickleValue? Result, int Globals);
