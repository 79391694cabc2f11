namespace ModelGateway.Primitives;

/// <summary>
/// Checks one feature's part of a configuration and appends every problem it finds, each naming its key. It reads only
/// the <see cref="IConfiguration"/> it is given — the app's at startup, or a candidate that is not (yet) the app's — and
/// binds its own sections from it; it never reads the app's options.
/// </summary>
internal interface IFeatureConfigValidator
{
    void Validate(IConfiguration configuration, IList<string> problems);
}
