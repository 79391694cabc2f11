using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using ModelGateway.Library;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// With the directory store, the library also keeps the tree ComfyUI reads models from:
/// <c>&lt;Library:Path&gt;/models/&lt;folder&gt;/&lt;asset name&gt;</c> for every asset tagged <c>["models", "&lt;folder&gt;", …]</c>,
/// a hard link to the blob's file (no second copy; the same file system). Installs mount the library read-only and name
/// <c>models/</c> in <c>extra_model_paths.yaml</c> (config/extra_model_paths.yaml). A name already taken in a folder by
/// other content keeps the first file (logged); a link goes when its content leaves the library. Nothing with an S3 store.
/// </summary>
internal sealed partial class ComfyModelTree(ModelLibrary library, IOptions<AssetLibraryOptions> options, IHostEnvironment environment,
    ILogger<ComfyModelTree> logger)
{
    private readonly string _root = Path.Combine(options.Value.FullPath(environment.ContentRootPath), "models");

    /// <summary>Where the asset's file is in the tree, or null when it has none (not a model, a folder name that is no plain name).</summary>
    public string? PathOf(AssetRecord asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        if (asset.Tags.Count < 2 || !asset.Tags.Contains("models", StringComparer.Ordinal))
        {
            return null;
        }
        var folder = asset.Tags.FirstOrDefault(t => t != "models" && IsPlainName(t));
        return folder is null || !IsPlainName(asset.Name) ? null : Path.Combine(_root, folder, asset.Name);
    }

    public void Link(AssetRecord asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        if (library.Store is not DirectoryBlobStore store || PathOf(asset) is not { } target)
        {
            return;
        }
        var source = store.PathOf(asset.Blob.Sha256);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(target))
            {
                if (new FileInfo(target).Length != asset.Blob.Size)
                {
                    Log.NameTaken(logger, target);
                }
                return;
            }
            if (HardLink(source, target) != 0)
            {
                Log.LinkFailed(logger, target, Marshal.GetLastPInvokeErrorMessage());
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.LinkFailed(logger, target, ex.GetType().Name);
        }
    }

    /// <summary>Removes the asset's file from the tree (its content left the library).</summary>
    public void Unlink(AssetRecord asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        if (PathOf(asset) is not { } target || !File.Exists(target) || new FileInfo(target).Length != asset.Blob.Size)
        {
            return;
        }
        try
        {
            File.Delete(target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.LinkFailed(logger, target, ex.GetType().Name);
        }
    }

    /// <summary>A single path segment a user may name: no separators, no <c>.</c>/<c>..</c>, no control characters.</summary>
    public static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".." && !name.Any(c => c is '/' or '\\' || char.IsControl(c));

    private static int HardLink(string source, string target) => OperatingSystem.IsWindows() ? CreateHardLinkWindows(target, source) : Link(source, target);

    // DllImport, not LibraryImport: the generated marshalling needs unsafe code, which this project does not allow.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
#pragma warning restore SYSLIB1054

    private static int CreateHardLinkWindows(string target, string source)
    {
        try
        {
            File.Copy(source, target); // no hard links without P/Invoke into kernel32: a copy (Windows is not a shipped target)
            return 0;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 48, EventName = "ModelTreeNameTaken", Level = LogLevel.Warning,
            Message = "The ComfyUI tree already has {Path} with other content; the first one stays.")]
        public static partial void NameTaken(ILogger logger, string path);

        [LoggerMessage(EventId = 49, EventName = "ModelTreeLinkFailed", Level = LogLevel.Warning,
            Message = "The ComfyUI tree entry {Path} could not be made or removed: {Error}")]
        public static partial void LinkFailed(ILogger logger, string path, string error);
    }
}
