namespace ModelGateway.AssetLibrary;

/// <summary>
/// Where an import or upload keeps its bytes while they are hashed, before the store takes them by their SHA-256:
/// <c>&lt;Library:Path&gt;/imports/</c> (the library's own disk: a multi-gigabyte file needs no room in <c>/tmp</c>). Deleted
/// when closed, however the import ends; only a killed process leaves one, removed by <see cref="RemoveLeftovers"/> at the
/// next start once it is a day old (replicas may share the directory: a younger one may be another replica's import).
/// </summary>
internal static class ImportScratch
{
    public static FileStream Create(string libraryDirectory)
    {
        var directory = Path.Combine(libraryDirectory, "imports");
        Directory.CreateDirectory(directory);
        return new FileStream(Path.Combine(directory, $"{Guid.NewGuid():N}.partial"), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose,
        });
    }

    /// <summary>Removes scratch files last written before <paramref name="before"/>; how many.</summary>
    public static int RemoveLeftovers(string libraryDirectory, DateTime before)
    {
        var directory = Path.Combine(libraryDirectory, "imports");
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*.partial"))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) < before)
                {
                    File.Delete(file);
                    removed++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // in use or gone meanwhile
            }
        }
        return removed;
    }
}
