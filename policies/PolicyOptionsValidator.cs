namespace ModelGateway.Policies;

/// <summary>Checks a bound <see cref="PolicyOptions"/> and reports every problem, not just the first.</summary>
public static class PolicyOptionsValidator
{
    /// <param name="section">The configuration path, for messages (<c>Policy</c>, <c>PolicyProfiles:strict</c>).</param>
    public static IEnumerable<string> Validate(string section, PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var allowedNames = string.Join(", ", Enum.GetNames<ModelFormat>());
        foreach (var (name, index) in (options.AllowedFormats ?? []).Select((n, i) => (n, i)))
        {
            if (!string.IsNullOrWhiteSpace(name) && !ModelFormats.TryParse(name, out _))
            {
                yield return $"{section}:AllowedFormats:{index}: unknown format \"{name}\" (known: {allowedNames}).";
            }
        }
        if (options.MaxSizeBytes < 0)
        {
            yield return $"{section}:MaxSizeBytes: must be 0 (no limit) or a positive number of bytes, not {options.MaxSizeBytes}.";
        }
        foreach (var (list, key) in new[] { (options.AllowedHosts, "AllowedHosts"), (options.BlockedHosts, "BlockedHosts") })
        {
            foreach (var (pattern, index) in (list ?? []).Select((p, i) => (p, i)))
            {
                if (!HostPolicy.IsValidPattern(pattern))
                {
                    yield return $"{section}:{key}:{index}: \"{pattern}\" is not a host name or a \"*.example.com\" pattern.";
                }
            }
        }
        foreach (var (folder, index) in (options.AllowedModelTypes ?? []).Select((f, i) => (f, i)))
        {
            if (ModelFolders.Normalize(folder) is null)
            {
                yield return $"{section}:AllowedModelTypes:{index}: \"{folder}\" is not a ComfyUI model folder (known: {string.Join(", ", ModelFolders.All.Order(StringComparer.Ordinal))}).";
            }
        }
        foreach (var (action, key) in new[] { (options.UnverifiedContent, "UnverifiedContent"), (options.UnknownSize, "UnknownSize") })
        {
            // The binder turns a number into an enum value of that number, defined or not.
            if (action is { } value && !Enum.IsDefined(value))
            {
                yield return $"{section}:{key}: must be Warn or Deny, not {(int)value}.";
            }
        }
        foreach (var problem in PickleScanSettings.Validate(section, options.PickleScan))
        {
            yield return problem;
        }
    }
}
