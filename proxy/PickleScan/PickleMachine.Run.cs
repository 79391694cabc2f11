using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

internal sealed partial class PickleMachine
{
    /// <param name="complete">The bytes given end where the pickle's container says it ends: running out is a parse error, not a truncation.</param>
    public static PickleRun Run(byte[] data, int offset, int count, bool complete, PickleFindings findings, PickleScanLimits limits, PickleBudget budget)
    {
        var machine = new PickleMachine(data, offset, count, complete, findings, limits, budget);
        return machine.Execute(offset);
    }

    private PickleRun Execute(int start)
    {
        PickleRunEnd outcome;
        PickleValue? result = null;
        try
        {
            result = Loop();
            outcome = PickleRunEnd.Stopped;
        }
        catch (TruncatedException) when (!complete)
        {
            outcome = PickleRunEnd.Truncated;
        }
        catch (TruncatedException)
        {
            findings.Add(PickleRules.ParseError, PickleVerdict.Dangerous, Offset("the pickle ends before STOP"));
            outcome = PickleRunEnd.Failed;
        }
        catch (PickleFormatException ex)
        {
            findings.Add(PickleRules.ParseError, PickleVerdict.Dangerous, ex.Message);
            outcome = PickleRunEnd.Failed;
        }
        catch (PickleLimitException ex)
        {
            findings.Add(PickleRules.Limit, PickleVerdict.Unscannable, ex.Message);
            outcome = PickleRunEnd.Limit;
        }
        return new PickleRun(outcome, pos - start, storages, result, globalsSeen);
    }

    // A frame's opcodes must end within it (CPython's unframer refuses one that runs past).
    private void EndOfOpcode(int opStart)
    {
        if (frameEnd < 0)
        {
            return;
        }
        if (opStart < frameEnd && pos > frameEnd)
        {
            throw Format("an opcode runs past the end of its frame");
        }
        if (pos >= frameEnd)
        {
            frameEnd = -1;
        }
    }
}
