namespace ModelGateway.PickleScan;

internal sealed partial class PickleMachine
{
    private readonly byte[] data;
    private readonly int end;
    private readonly bool complete;
    private readonly PickleFindings findings;
    private readonly PickleScanLimits limits;
    private readonly PickleBudget budget;
    private readonly List<PickleValue> stack = [];
    private readonly List<int> marks = [];
    // Dense memo indices (what every pickler writes) in a list; any others in a dictionary. Both count toward MaxMemo.
    private readonly List<PickleValue?> memo = [];
    private readonly Dictionary<long, PickleValue> sparseMemo = [];
    private int memoCount;
    private readonly List<StorageReference> storages = [];
    private int pos;
    private int protocol;
    private int opcodes;
    private long frameEnd = -1;

    private PickleMachine(byte[] data, int offset, int count, bool complete, PickleFindings findings, PickleScanLimits limits, PickleBudget budget)
    {
        this.data = data;
        pos = offset;
        end = offset + count;
        this.complete = complete;
        this.findings = findings;
        this.limits = limits;
        this.budget = budget;
    }

    private int globalsSeen;
}
