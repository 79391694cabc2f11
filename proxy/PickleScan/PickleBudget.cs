using System.Diagnostics;

namespace ModelGateway.PickleScan;

/// <summary>A bound was reached: the scan stops and the file is unscannable.</summary>
internal sealed class PickleLimitException(string message) : Exception(message);

/// <summary>The work one file's scan may still do: opcodes and wall time, shared by all its pickles.</summary>
internal sealed class PickleBudget(PickleScanLimits limits)
{
    private readonly long started = Stopwatch.GetTimestamp();
    private long opcodes;

    public void Spend(int count)
    {
        opcodes += count;
        if (opcodes > limits.MaxOpcodes)
        {
            throw new PickleLimitException($"more than {limits.MaxOpcodes} opcodes");
        }
        if (Stopwatch.GetElapsedTime(started) > limits.MaxTime)
        {
            throw new PickleLimitException($"the scan took longer than {limits.MaxTime.TotalSeconds:0.#} s");
        }
    }
}
