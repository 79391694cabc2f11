namespace ModelGateway.Policies;

/// <summary>
/// The admin's policy as bound from configuration (<c>Policy</c> and <c>PolicyProfiles:&lt;name&gt;</c>).
/// Every member is nullable so a profile can override only the keys it names; <see cref="PolicySettings.Resolve"/>
/// fills the defaults.
/// </summary>
public sealed class PolicyOptions
{
    /// <summary>Format names (<see cref="ModelFormat"/>); empty = any; absent = <c>["SafeTensor"]</c>.</summary>
    public List<string>? AllowedFormats { get; set; }

    /// <summary>Largest allowed file in bytes; 0 = no limit.</summary>
    public long? MaxSizeBytes { get; set; }

    /// <summary>Hosts that may be probed (<c>*.example.com</c> for subdomains); empty = any public host.</summary>
    public List<string>? AllowedHosts { get; set; }

    /// <summary>Hosts that may never be probed; wins over <see cref="AllowedHosts"/>.</summary>
    public List<string>? BlockedHosts { get; set; }

    /// <summary>ComfyUI folder names; empty = any known folder.</summary>
    public List<string>? AllowedModelTypes { get; set; }

    /// <summary>A file whose bytes could not be read or recognised: warn (default) or deny.</summary>
    public PolicyAction? UnverifiedContent { get; set; }

    /// <summary>A file whose size no source tells: warn (default) or deny.</summary>
    public PolicyAction? UnknownSize { get; set; }

    /// <summary>What the gateway's own pickle scan verdicts yield (<see cref="PickleScanOptions"/>).</summary>
    public PickleScanOptions? PickleScan { get; set; }
}
