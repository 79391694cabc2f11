namespace ModelGateway.Primitives;

/// <summary>Binding a section for a <see cref="IFeatureConfigValidator"/>, with a value of the wrong type as a problem.</summary>
internal static class ConfigBinding
{
    /// <summary>
    /// Binds <paramref name="section"/> onto <paramref name="options"/>. A value the binder cannot convert (<c>"ten"</c>
    /// for a number) is added to <paramref name="problems"/> in the binder's own words, which name the key, the value and
    /// the type; then false, and the caller skips the checks of the half-bound options.
    /// </summary>
    public static bool TryBind(IConfiguration section, object options, IList<string> problems) =>
        TryBind(() => section.Bind(options), problems);

    /// <summary>Runs <paramref name="bind"/>, a binding of several keys; a conversion failure is a problem, as above.</summary>
    public static bool TryBind(Action bind, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(problems);
        try
        {
            bind();
            return true;
        }
        catch (InvalidOperationException ex)
        {
            // ConfigurationBinder's only failure: a value it cannot convert to the property's type.
            problems.Add(ex.Message);
            return false;
        }
    }
}
