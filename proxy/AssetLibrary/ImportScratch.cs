namespace ModelGateway.AssetLibrary;

/// <summary>
/// Where an import or upload keeps its bytes while they are hashed, before the store takes them by their SHA-256:
/// <c>&lt;Library:Path&gt;/imports/</c> (the library's own disk: a multi-gigabyte file needs no room in <c>/tmp</c>). Deleted
/// when closed, however the import ends; only a killed process leaves one.
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
}
