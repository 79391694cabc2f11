using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>One JSON file of the <c>config/</c> folder, in the order the files are layered.</summary>
internal sealed record ConfigFile(string Name, bool Optional);

/// <summary>The JSON files under <c>config/</c> as one configuration layer (<see cref="ConfigFilesProvider"/>).</summary>
internal sealed class ConfigFilesSource(string folder, IReadOnlyList<ConfigFile> files) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new ConfigFilesProvider(folder, files);
}

/// <summary>What became of one edit of the files.</summary>
/// <param name="Applied">The edit is in force; else the last good configuration stays.</param>
/// <param name="Problems">Why the edit was refused: every problem, none when applied.</param>
/// <param name="ChangedSections">The top-level sections whose keys changed (names only, never values).</param>
internal sealed record ConfigFilesChange(bool Applied, IReadOnlyList<string> Problems, IReadOnlyList<string> ChangedSections);

/// <summary>
/// The JSON files under <c>config/</c>, read together as one layer: a later file's keys win over an earlier one's. At
/// startup a missing required file or one that is not JSON stops the gateway. Once <see cref="StartWatching"/> runs,
/// an edit is read as a candidate — the new files under the app's other layers (environment, command line) unchanged —
/// and checked by the given validator: only a valid candidate is committed and announced (the reload token every
/// options monitor and YARP listen to), so the app only ever sees valid configuration. An invalid edit, a half-saved
/// file included, changes nothing; the next save is read again.
/// </summary>
internal sealed class ConfigFilesProvider : ConfigurationProvider, IDisposable, IMergedConfigurationProvider
{
    // Editors save in bursts (truncate, write, rename): read once the files have been quiet this long.
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(250);

    private readonly string _folder;
    private readonly IReadOnlyList<ConfigFile> _files;
    private readonly Lazy<PhysicalFileProvider> _fileProvider;
    private readonly Lock _checkLock = new();
    private IDisposable? _watch;
    private ITimer? _settle;
    private Watcher? _watcher;

    // Which file set each key of Data (a key several files set: each of them, in order).
    private Dictionary<string, List<string>> _origins = new(StringComparer.OrdinalIgnoreCase);

    // The last refused edit: the same files seen again (another event of one save) are not refused twice.
    private (Dictionary<string, string?>? Data, IReadOnlyList<string> Problems)? _lastRefused;

    public ConfigFilesProvider(string folder, IReadOnlyList<ConfigFile> files)
    {
        _folder = folder;
        _files = files;
        // Honours DOTNET_USE_POLLING_FILE_WATCHER (mounted volumes whose changes raise no file system events). Created
        // once the folder is known to exist: the provider refuses a missing one.
        _fileProvider = new Lazy<PhysicalFileProvider>(() => new PhysicalFileProvider(folder));
    }

    /// <summary>The folder the files are read from.</summary>
    public string Folder => _folder;

    /// <exception cref="GatewayConfigurationException">A required file is missing, or a file is not valid JSON.</exception>
    public override void Load()
    {
        var (data, problems, origins) = Read();
        if (data is null)
        {
            throw new GatewayConfigurationException(problems);
        }
        Data = data;
        _origins = origins;
    }

    /// <summary>The files that set <paramref name="path"/> or a key below it.</summary>
    public IReadOnlyList<string> SourcesOf(string path) => SourcesOf(_origins, path);

    private static List<string> SourcesOf(Dictionary<string, List<string>> origins, string path)
    {
        var below = path + ConfigurationPath.KeyDelimiter;
        return origins.Where(o => string.Equals(o.Key, path, StringComparison.OrdinalIgnoreCase) || o.Key.StartsWith(below, StringComparison.OrdinalIgnoreCase))
            .SelectMany(o => o.Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Watches the files from now on. On each edit the candidate (this layer's new data in place of its current data, in
    /// <paramref name="root"/>'s order) goes to <paramref name="validate"/>; <paramref name="report"/> hears the outcome
    /// of every edit that changed a value.
    /// </summary>
    public void StartWatching(IConfigurationRoot root, Func<IConfiguration, IReadOnlyList<string>> validate, Action<ConfigFilesChange> report)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(validate);
        ArgumentNullException.ThrowIfNull(report);
        lock (_checkLock)
        {
            if (_watcher is not null)
            {
                throw new InvalidOperationException("The configuration files are already watched.");
            }
            _watcher = new Watcher(root, validate, report);
            _settle = TimeProvider.System.CreateTimer(static state => ((ConfigFilesProvider)state!).Check(), this,
                Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _watch = ChangeToken.OnChange(WatchFiles, () => _settle.Change(SettleDelay, Timeout.InfiniteTimeSpan));
        }
        // An edit made between the first read and now is not lost.
        Check();
    }

    public void StopWatching()
    {
        lock (_checkLock)
        {
            _watch?.Dispose();
            _settle?.Dispose();
            _watch = null;
            _settle = null;
            _watcher = null;
        }
    }

    public void Dispose()
    {
        StopWatching();
        if (_fileProvider.IsValueCreated)
        {
            _fileProvider.Value.Dispose();
        }
    }

    /// <summary>Reads the files again; commits them when they changed and the candidate is valid.</summary>
    internal void Check()
    {
        ConfigFilesChange change;
        lock (_checkLock)
        {
            if (_watcher is not { } watcher)
            {
                return;
            }
            var (data, problems, origins) = Read();
            if (data is not null && Same(data, Data))
            {
                if (_lastRefused is not null)
                {
                    // The refused edit was undone: the files hold the configuration in force again.
                    _lastRefused = null;
                    watcher.Report(new ConfigFilesChange(true, [], []));
                }
                return;
            }
            if (IsLastRefused(data, problems))
            {
                return;
            }
            if (data is not null)
            {
                using var candidate = Candidate(watcher.Root, data, origins);
                problems = watcher.Validate(candidate);
            }
            if (data is not null && problems.Count == 0)
            {
                var changed = ChangedSections(Data, data);
                Data = data;
                _origins = origins;
                _lastRefused = null;
                change = new ConfigFilesChange(true, [], changed);
            }
            else
            {
                _lastRefused = (data, problems);
                change = new ConfigFilesChange(false, problems, []);
            }
            watcher.Report(change);
        }
        if (change.Applied)
        {
            OnReload(); // outside the lock: listeners read the configuration
        }
    }

    private bool IsLastRefused(Dictionary<string, string?>? data, IReadOnlyList<string> problems) =>
        _lastRefused is { } refused
        && (data is null ? refused.Data is null && refused.Problems.SequenceEqual(problems) : refused.Data is not null && Same(data, refused.Data));

    private IChangeToken WatchFiles() => new CompositeChangeToken(_files.Select(f => _fileProvider.Value.Watch(f.Name)).ToList());

    /// <summary>The files' keys merged in order (a later file's value wins), or every reason they cannot be read.</summary>
    private (Dictionary<string, string?>? Data, IReadOnlyList<string> Problems, Dictionary<string, List<string>> Origins) Read()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var origins = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        if (!Directory.Exists(_folder))
        {
            return (null, _files.Where(f => !f.Optional).Select(f => NotFound(Path.Combine(_folder, f.Name))).ToList(), origins);
        }
        foreach (var file in _files)
        {
            var path = Path.Combine(_folder, file.Name);
            var json = new JsonFile(new JsonConfigurationSource { FileProvider = _fileProvider.Value, Path = file.Name, Optional = file.Optional });
            try
            {
                json.Load();
            }
            catch (FileNotFoundException)
            {
                problems.Add(NotFound(path));
                continue;
            }
            catch (InvalidDataException ex)
            {
                // The parser's words name a line and position (or a duplicate key), never a value.
                problems.Add($"The configuration file '{path}' is not valid JSON: {ex.InnerException?.Message ?? ex.Message}");
                continue;
            }
            foreach (var (key, value) in json.Values)
            {
                data[key] = value;
                if (!string.IsNullOrEmpty(value))
                {
                    (origins.TryGetValue(key, out var files) ? files : origins[key] = []).Add("config/" + file.Name);
                }
            }
        }
        return problems.Count > 0 ? (null, problems, origins) : (data, [], origins);
    }

    private static string NotFound(string path) =>
        $"The configuration file '{path}' was not found. Start the gateway from the repository root (or /app in the container), where config/ is.";

    /// <summary>The app's configuration as it would be with <paramref name="data"/> as this layer.</summary>
    private ConfigurationRoot Candidate(IConfigurationRoot root, Dictionary<string, string?> data, Dictionary<string, List<string>> origins)
    {
        var layers = root.Providers
            .Select(p => ReferenceEquals(p, this)
                ? new CandidateFiles(data, origins)
                : (IConfigurationProvider)new ReadThrough(p))
            .ToList();
        return new ConfigurationRoot(layers);
    }

    private static bool Same(Dictionary<string, string?> a, IDictionary<string, string?> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var other) && string.Equals(pair.Value, other, StringComparison.Ordinal));

    private static List<string> ChangedSections(IDictionary<string, string?> before, IDictionary<string, string?> after) =>
        before.Keys.Union(after.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => !before.TryGetValue(key, out var old) || !after.TryGetValue(key, out var now) || !string.Equals(old, now, StringComparison.Ordinal))
            .Select(key => key.Split(ConfigurationPath.KeyDelimiter)[0])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();

    /// <summary>One file's keys, as the standard JSON provider reads them.</summary>
    private sealed class JsonFile(JsonConfigurationSource source) : JsonConfigurationProvider(source)
    {
        public IEnumerable<KeyValuePair<string, string?>> Values => Data;
    }

    /// <summary>The files' new data in a candidate, with where each key came from.</summary>
    private sealed class CandidateFiles(Dictionary<string, string?> data, Dictionary<string, List<string>> origins)
        : MemoryConfigurationProvider(new MemoryConfigurationSource { InitialData = data }), IMergedConfigurationProvider
    {
        public IReadOnlyList<string> SourcesOf(string path) => ConfigFilesProvider.SourcesOf(origins, path);
    }

    private sealed record Watcher(IConfigurationRoot Root, Func<IConfiguration, IReadOnlyList<string>> Validate, Action<ConfigFilesChange> Report);

    /// <summary>Another layer of the app, read as it is, in a candidate that neither loads nor disposes it.</summary>
    private sealed class ReadThrough(IConfigurationProvider layer) : IConfigurationProvider
    {
        public bool TryGet(string key, out string? value) => layer.TryGet(key, out value);

        public void Set(string key, string? value) => throw new NotSupportedException("A candidate configuration is read-only.");

        public IChangeToken GetReloadToken() => NullChangeToken.Singleton;

        public void Load()
        {
        }

        public IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) => layer.GetChildKeys(earlierKeys, parentPath);

        public override string? ToString() => layer.ToString();
    }
}
