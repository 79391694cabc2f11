namespace ModelGateway.Sources;

/// <summary>Recognises a URL: the first named source whose hosts it is on, else the generic one.</summary>
internal sealed class SourceSelector(IEnumerable<IMetadataSource> named, HttpFileSource generic)
{
    private readonly IMetadataSource[] _named = named.ToArray();

    /// <summary>
    /// The reference of <paramref name="url"/>, read once by the source that recognises it; a 400 when that source cannot
    /// read its shape.
    /// </summary>
    public SourceRef Recognize(Uri url)
    {
        foreach (var source in _named)
        {
            if (source.TryRecognize(url) is { } asset)
            {
                return asset;
            }
        }
        return generic.TryRecognize(url);
    }

    /// <summary>The named source called <paramref name="name"/> (<see cref="IMetadataSource.Name"/>).</summary>
    public IMetadataSource Named(string name) => _named.First(s => s.Name == name);
}
