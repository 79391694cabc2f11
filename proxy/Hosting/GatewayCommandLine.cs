using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ModelGateway.Auth;
using ModelGateway.Library;

namespace ModelGateway.Hosting;

/// <summary>
/// The binary's entry: serve (the default), or one admin command — <c>validate-config</c> (like <c>nginx -t</c>),
/// <c>hash-key</c> (the SHA-256 to store for a key read from standard input) and <c>healthcheck &lt;url&gt;</c> (for
/// container health checks: the runtime image has no curl).
/// </summary>
internal static class GatewayCommandLine
{
    public const string Usage = """
        Usage: ModelGateway [--Section:Key=value ...]       serve (configuration: config/ under the working directory)
               ModelGateway validate-config [--Section:Key=value ...]
                                                            check config/ and the environment; exit 0 (OK) or 1 (every problem)
               ModelGateway hash-key                        read an API key from standard input, print the SHA-256 to store
               ModelGateway healthcheck <url>               exit 0 when <url> answers 200, else 1 (3 s timeout)
               ModelGateway verify [--remove] [--Section:Key=value ...]
                                                            re-hash every blob of the library; exit 0 (all intact) or 1
                                                            (corrupt blobs listed; removed with --remove)
        """;

    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (args)
        {
            case ["validate-config", .. var settings]:
                return await ValidateConfigAsync(settings, Console.Out, Console.Error);
            case ["hash-key"]:
                return HashKey(Console.In, interactive: !Console.IsInputRedirected, Console.Out, Console.Error);
            case ["healthcheck", var url]:
                return await HealthCheckAsync(url, Console.Out);
            case ["verify", .. var settings]:
                return await VerifyLibraryAsync(settings, Console.Out, Console.Error);
            case [var command, ..] when !command.StartsWith('-'):
                await Console.Error.WriteLineAsync($"Unknown command \"{command}\".{Environment.NewLine}{Usage}");
                return 2;
            default:
                return await ServeAsync(args);
        }
    }

    /// <summary>The gateway, configured by <paramref name="args"/> over config/ and the environment.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGatewayConfiguration(args).AddGatewayLogging();
        builder.Services.AddGateway(builder.Configuration);
        return builder;
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        try
        {
            var app = CreateBuilder(args).Build();
            app.MapGateway();
            await app.RunAsync();
            return 0;
        }
        // As its own process the gateway prints the list and exits 1; another host (WebApplicationFactory) gets the exception.
        catch (GatewayConfigurationException ex) when (Assembly.GetEntryAssembly() == typeof(GatewayCommandLine).Assembly)
        {
            await WriteProblemsAsync(Console.Error, ex.Problems);
            return 1;
        }
    }

    /// <summary>
    /// Reads the configuration exactly as serving would (files, environment, <paramref name="args"/>) and checks it
    /// with every feature's validator, without starting anything.
    /// </summary>
    internal static async Task<int> ValidateConfigAsync(string[] args, TextWriter output, TextWriter error)
    {
        IReadOnlyList<string> problems;
        string folder;
        string environment;
        try
        {
            var builder = CreateBuilder(args);
            folder = Path.Combine(builder.Environment.ContentRootPath, "config");
            environment = builder.Environment.EnvironmentName;
            await using var app = builder.Build();
            problems = app.Services.GetRequiredService<GatewayConfigValidator>().Validate(app.Configuration);
        }
        catch (GatewayConfigurationException ex)
        {
            problems = ex.Problems;
            folder = environment = string.Empty;
        }
        if (problems.Count > 0)
        {
            await WriteProblemsAsync(error, problems);
            return 1;
        }
        var files = Directory.EnumerateFiles(folder, "appsettings*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        await output.WriteLineAsync($"Configuration OK: {folder} ({string.Join(", ", files)}), environment {environment}, environment variables and arguments.");
        return 0;
    }

    /// <summary>
    /// Re-hashes every blob of the configured library (<see cref="LibraryVerifier"/>); <c>--remove</c> removes the corrupt
    /// ones. Exit 0 when all are intact, 1 when some were not (or the configuration is invalid).
    /// </summary>
    internal static async Task<int> VerifyLibraryAsync(string[] args, TextWriter output, TextWriter error)
    {
        var remove = args.Contains("--remove");
        try
        {
            var builder = CreateBuilder([.. args.Where(a => a != "--remove")]);
            await using var app = builder.Build();
            var problems = app.Services.GetRequiredService<GatewayConfigValidator>().Validate(app.Configuration);
            if (problems.Count > 0)
            {
                await WriteProblemsAsync(error, problems);
                return 1;
            }
            var corrupt = await LibraryVerifier.VerifyAsync(app.Services.GetRequiredService<ModelLibrary>(), remove, output, CancellationToken.None);
            return corrupt == 0 ? 0 : 1;
        }
        catch (GatewayConfigurationException ex)
        {
            await WriteProblemsAsync(error, ex.Problems);
            return 1;
        }
    }

    /// <summary>
    /// Prints the hex SHA-256 of a key read from <paramref name="input"/> (one line; the line break is not part of it),
    /// which is what <c>ApiKeys:N:KeySha256</c> stores. The key itself is never written; typed at a terminal it is not
    /// shown.
    /// </summary>
    internal static int HashKey(TextReader input, bool interactive, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string key;
        if (interactive)
        {
            error.Write("API key (not shown): ");
            key = ReadHidden();
            error.WriteLine();
        }
        else
        {
            key = input.ReadLine() ?? string.Empty;
        }
        if (KeyProblem(key) is { } problem)
        {
            error.WriteLine(problem);
            return 1;
        }
        output.WriteLine(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))));
        return 0;
    }

    /// <summary>Exit code 0 when <paramref name="url"/> answers 200 within the timeout, else 1; one line says what happened.</summary>
    internal static async Task<int> HealthCheckAsync(string url, TextWriter output)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            await output.WriteLineAsync($"Not an absolute http(s) URL: {url}");
            return 1;
        }
        // No proxy from the environment: the check is about this container's own port.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = HealthCheckTimeout };
        try
        {
            using var response = await client.GetAsync(target, HttpCompletionOption.ResponseHeadersRead);
            await output.WriteLineAsync($"{(int)response.StatusCode} {response.ReasonPhrase}");
            return response.StatusCode == System.Net.HttpStatusCode.OK ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"No answer from {target.GetLeftPart(UriPartial.Authority)}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>A key that could never be presented in the header, or none (the message never echoes it).</summary>
    private static string? KeyProblem(string key)
    {
        if (key.Length == 0)
        {
            return "No key read from standard input.";
        }
        if (key.Length > ApiKeyStore.MaxKeyLength)
        {
            return $"The key is longer than {ApiKeyStore.MaxKeyLength} characters; the gateway would never accept it.";
        }
        // Header values are trimmed, and non-ASCII bytes refused, before the gateway sees them.
        if (!key.All(c => c is > ' ' and < '\u007f'))
        {
            return "The key must be printable ASCII without spaces: a header could not carry it unchanged.";
        }
        return null;
    }

    private static string ReadHidden()
    {
        var key = new StringBuilder();
        while (Console.ReadKey(intercept: true) is { Key: not ConsoleKey.Enter } typed)
        {
            if (typed.Key == ConsoleKey.Backspace)
            {
                key.Length = Math.Max(0, key.Length - 1);
            }
            else
            {
                key.Append(typed.KeyChar);
            }
        }
        return key.ToString();
    }

    private static async Task WriteProblemsAsync(TextWriter error, IReadOnlyList<string> problems)
    {
        await error.WriteLineAsync($"The gateway's configuration is invalid ({problems.Count} problem(s)):");
        foreach (var problem in problems)
        {
            await error.WriteLineAsync($"  - {problem}");
        }
    }
}
