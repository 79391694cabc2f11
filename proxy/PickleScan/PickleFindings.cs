using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

/// <summary>The findings of one scan: each (rule, detail) once, the worst kept when there are too many to show.</summary>
internal sealed class PickleFindings
{
    private const int MaxDistinct = 256;

    private readonly List<PickleFinding> findings = [];
    private readonly HashSet<(string, string)> seen = [];

    public int Count => findings.Count;

    public PickleVerdict Worst => findings.Count == 0 ? PickleVerdict.Safe : findings.Max(f => f.Severity);

    public void Add(string rule, PickleVerdict severity, string detail, bool extension = false)
    {
        if (!seen.Add((rule, detail)))
        {
            return;
        }
        if (findings.Count >= MaxDistinct)
        {
            var weakest = findings.MinBy(f => f.Severity)!;
            if (weakest.Severity >= severity)
            {
                return;
            }
            findings.Remove(weakest);
        }
        findings.Add(new PickleFinding(rule, severity, detail, extension));
    }

    public bool Has(string rule) => findings.Exists(f => f.Rule == rule);

    /// <summary>The report's findings: worst first, rules the extension set cannot excuse before those it can.</summary>
    public IReadOnlyList<PickleFinding> ToList() =>
        [.. findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Extension).Take(PickleScanReport.MaxFindings)];
}

/// <summary>The rule ids (see <c>docs/pickle-scan.md</c> for each rule's reason and the fixture that proves it).</summary>
internal static class PickleRules
{
    public const string GlobalDenied = "global-denied";
    public const string GlobalUnknown = "global-unknown";
    public const string GlobalExtension = "global-extension";
    public const string GlobalDotted = "global-dotted";
    public const string GlobalComputed = "global-computed";
    public const string GlobalMalformed = "global-malformed";
    public const string CallUnknown = "call-unknown";
    public const string CallTarget = "call-target";
    public const string RebuildFromType = "rebuild-from-type";
    public const string BuildOnGlobal = "build-on-global";
    public const string BuildTarget = "build-target";
    public const string SetItemTarget = "setitem-target";
    public const string AppendTarget = "append-target";
    public const string AddItemsTarget = "additems-target";
    public const string PersistentId = "persistent-id";
    public const string StorageSize = "storage-size";
    public const string ExtOpcode = "ext-opcode";
    public const string BufferOpcode = "buffer-opcode";
    public const string TextPersistentId = "persid-text";
    public const string StopStack = "stop-stack";
    public const string ParseError = "parse-error";
    public const string ProtoPosition = "proto-position";
    public const string TrailingBytes = "trailing-bytes";
    public const string Limit = "limit";
    public const string Unread = "unread";
    public const string ZipDataPkl = "zip-data-pkl";
    public const string ZipTorchScript = "zip-torchscript";
    public const string ZipEntryName = "zip-entry-name";
    public const string ZipUnsafePath = "zip-unsafe-path";
    public const string ZipFlags = "zip-flags";
    public const string ZipMethod = "zip-method";
    public const string ZipLocalCentral = "zip-local-central";
    public const string ZipDuplicate = "zip-duplicate";
    public const string ZipCrc = "zip-crc";
    public const string ZipStructure = "zip-structure";
    public const string ZipUnread = "zip-unread";
    public const string LegacyHeader = "legacy-header";
    public const string LegacyKeys = "legacy-keys";
    public const string Container = "container-unsupported";
}
