using System.Text.Json.Serialization;

namespace ModelGateway.Policies;

/// <summary>
/// What the gateway's own pickle scan says about a file, worst first: the order is the severity (a finding's and the
/// file's). <see cref="Unscannable"/> ranks above <see cref="Suspicious"/>: what could not be read is not vouched for.
/// </summary>
public enum PickleVerdict
{
    /// <summary>Every global on the allow-list, every structural and container rule holds.</summary>
    Safe,

    /// <summary>Globals off the allow-list but on no never-allowed list, or unusual but harmless container details.</summary>
    Suspicious,

    /// <summary>The scan could not read the whole pickle: over a cap, an unsupported container (7z, tar, gzip, …).</summary>
    Unscannable,

    /// <summary>A never-allowed global, a computed global, a broken structural rule, a parse error, a TorchScript archive, …</summary>
    Dangerous,
}

/// <summary>
/// One broken rule. <paramref name="Rule"/> is the rule's id as <c>docs/pickle-scan.md</c> lists it;
/// <paramref name="Detail"/> names the offending global or entry (what a user can act on).
/// <paramref name="Extension"/>: the finding is a global of the optional extension set (numpy, Lightning, …), which a
/// policy may opt into (<c>Policy:PickleScan:AllowExtensions</c>).
/// </summary>
public sealed record PickleFinding(string Rule, PickleVerdict Severity, string Detail, bool Extension = false);

/// <summary>
/// The gateway's own scan of a pickle-bearing file: a fact of the file (cached with the other facts). The verdict is
/// the worst finding's severity; <see cref="VerdictFor"/> gives it under a policy that allows the extension set.
/// </summary>
public sealed record PickleScanReport
{
    /// <summary>Most findings a report keeps (the verdict counts them all).</summary>
    public const int MaxFindings = 16;

    /// <summary>What was scanned: <c>torch-zip</c>, <c>torch-legacy</c>, <c>pickle</c>, or the unsupported container's name.</summary>
    public string Container { get; init; } = "pickle";

    public IReadOnlyList<PickleFinding> Findings { get; init; } = [];

    /// <summary>
    /// For a torch zip: where its central directory starts and the SHA-256 of every byte from there to the end. A
    /// download holds the tail back until the bytes it streams hash the same.
    /// </summary>
    public long? CentralDirectoryOffset { get; init; }

    public string? CentralDirectorySha256 { get; init; }

    /// <summary>The file's size when it was scanned.</summary>
    public long? FileLength { get; init; }

    /// <summary>
    /// How many bytes from the start the scan read (a torch zip's entries up to the end of <c>data.pkl</c>, a legacy
    /// file's five pickles, a raw pickle), and their SHA-256: a download holds its first bytes back until they hash
    /// the same, so what reaches the client is what was scanned.
    /// </summary>
    public long PrefixLength { get; init; }

    public string? PrefixSha256 { get; init; }

    /// <summary>The verdict under a policy that does not opt into the extension set.</summary>
    [JsonIgnore]
    public PickleVerdict Verdict => VerdictFor(allowExtensions: false);

    /// <summary>Characters the report's strings hold (for the metadata cache's size estimate).</summary>
    public int EstimatedChars() => Container.Length + (PrefixSha256?.Length ?? 0) + (CentralDirectorySha256?.Length ?? 0)
        + Findings.Sum(f => f.Rule.Length + f.Detail.Length + 16);

    public PickleVerdict VerdictFor(bool allowExtensions)
    {
        var verdict = PickleVerdict.Safe;
        foreach (var finding in Findings)
        {
            if (allowExtensions && finding.Extension)
            {
                continue;
            }
            if (finding.Severity > verdict)
            {
                verdict = finding.Severity;
            }
        }
        return verdict;
    }

    /// <summary>The findings that make <see cref="VerdictFor"/> what it is, for a message a user can act on.</summary>
    public IEnumerable<PickleFinding> Deciding(bool allowExtensions)
    {
        var verdict = VerdictFor(allowExtensions);
        return Findings.Where(f => f.Severity == verdict && !(allowExtensions && f.Extension));
    }
}
