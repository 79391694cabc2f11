namespace ModelGateway.Sources;

/// <summary>Picks the source for a URL: the first named source that recognises its host, else the generic one.</summary>
internal sealed class SourceSelector(IEnumerable<IMetadataSource> named, HttpFileSource generic)
{
    private readonly IMetadataSource[] _named = named.ToArray();

    public IMetadataSource Select(Uri url) => _named.FirstOrDefault(s => s.CanHandle(url)) ?? generic;

    /// <summary>The named source called <paramref name="name"/> (<see cref="IMetadataSource.Name"/>).</summary>
    public IMetadataSource Named(string name) => _named.First(s => s.Name == name);
}
