namespace ModelGateway.Policies;

/// <summary>A source's own scan verdict for a file (CivitAI's <c>pickleScanResult</c>/<c>virusScanResult</c> vocabulary).</summary>
public enum ScanResult
{
    /// <summary>The source publishes no scan for this file.</summary>
    Unknown,
    Pending,
    Success,
    Danger,
    Error,
}
