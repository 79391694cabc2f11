using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using ModelGateway.IntegrationTests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// The shipped deployment (docker-compose.yml, deploy/nginx.conf, .env.example, Dockerfile), read as an admin would
/// run it: Redis, two replicas behind one published entry point, health checks everywhere, and no setting the gateway
/// does not know.
/// </summary>
public sealed partial class DeploymentTests
{
    private static readonly string Root = GatewayFactory.RepositoryRoot;
    private static readonly string[] Replicas = ["gateway-1", "gateway-2"];

    [Fact]
    public void Compose_Services_RedisTwoReplicasAndOneEntryPointOnOnePublishedPort()
    {
        var services = Services();

        Assert.Equal(["gateway-1", "gateway-2", "lb", "postgres", "redis"], services.Keys.Order(StringComparer.Ordinal));
        var published = services.Where(s => s.Value.ContainsKey("ports")).ToList();
        var entry = Assert.Single(published);
        Assert.Equal("lb", entry.Key);
        Assert.Equal("127.0.0.1:8080:80", Assert.Single(List(entry.Value["ports"])));
        Assert.Matches(@"^nginx:\d+\.\d+\.\d+-alpine$", (string)entry.Value["image"]);
        Assert.Contains("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro", List(entry.Value["volumes"]));
        Assert.Equal(Replicas, List(entry.Value["depends_on"]));
        foreach (var (name, service) in services)
        {
            Assert.True(service.ContainsKey("healthcheck"), $"{name} has no healthcheck");
        }
    }

    [Fact]
    public void Compose_Replicas_ShareRedisHealthcheckThemselvesAndDrainWithinTheGracePeriod()
    {
        var services = Services();
        foreach (var name in Replicas)
        {
            var replica = services[name];
            var environment = Map(replica["environment"]);
            Assert.Equal("redis:6379", environment["ConnectionStrings__Redis"]);
            Assert.Equal(
                ["CMD", "dotnet", "ModelGateway.dll", "healthcheck", "http://127.0.0.1:8080/healthz/ready"],
                List(Map(replica["healthcheck"])["test"]));
            Assert.Equal("service_healthy", (string)Map(Map(replica["depends_on"])["redis"])["condition"]);
            Assert.Equal(".env", (string)replica["env_file"]);
            Assert.Contains("./config:/app/config:ro", List(replica["volumes"]));
            var shutdown = int.Parse((string)environment["Hosting__ShutdownTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture);
            var grace = int.Parse(((string)replica["stop_grace_period"]).TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(grace > shutdown, $"{name}: stop_grace_period {grace} s must outlast Hosting__ShutdownTimeoutSeconds {shutdown} s.");
            // The trusted network is the compose network the entry point is on.
            var subnet = (string)Map(List<object>(Map(Map(Compose()["networks"])["gateway"])["ipam"] is var ipam ? Map(ipam)["config"] : null!)[0])["subnet"];
            Assert.Equal(subnet, environment["ForwardedHeaders__KnownNetworks__0"]);
        }
    }

    [Fact]
    public void Compose_Redis_PinnedAndEvictsOnlyKeysThatExpire()
    {
        var redis = Services()["redis"];

        Assert.Matches(@"^redis:\d+\.\d+\.\d+-alpine$", (string)redis["image"]);
        var command = List(redis["command"]);
        Assert.Equal("volatile-lru", command[command.IndexOf("--maxmemory-policy") + 1]);
        Assert.Matches("^[0-9]+mb$", command[command.IndexOf("--maxmemory") + 1]);
        Assert.Equal(["CMD", "redis-cli", "ping"], List(Map(redis["healthcheck"])["test"]));
    }

    [Fact]
    public void Compose_EveryEnvironmentKeyAndEnvExampleKey_IsAGatewaySettingOrADocumentedVariable()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "config", "README.md"));
        var shipped = new ConfigurationBuilder().AddJsonFile(Path.Combine(Root, "config", "appsettings.json")).Build();
        var keys = Replicas.SelectMany(r => Map(Services()[r]["environment"]).Keys)
            .Concat(EnvExample().Keys)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.Contains("ApiKeys__0__KeySha256", keys);
        var unknown = keys.Where(key => !IsGatewaySetting(key, readme, shipped)).ToList();
        Assert.True(unknown.Count == 0, "Not documented in config/README.md nor set in config/appsettings.json: " + string.Join(", ", unknown));
    }

    [Fact]
    public void EnvExample_NoRealSecret_KeyHashIsAPlaceholderTheGatewayRefuses()
    {
        var example = EnvExample();

        Assert.DoesNotMatch("^[0-9a-f]{64}$", example["ApiKeys__0__KeySha256"]);
        Assert.Equal(string.Empty, example["Sources__CivitAI__Token"]);
        Assert.Equal(string.Empty, example["Sources__HuggingFace__Token"]);
        var ignored = File.ReadAllLines(Path.Combine(Root, ".gitignore"));
        Assert.Contains(".env", ignored);
        Assert.Contains("config/appsettings.local.json", ignored);
    }

    [Fact]
    public void NginxConf_StreamsToBothReplicasSetsXForwardedForAndHidesMetrics()
    {
        var conf = File.ReadAllText(Path.Combine(Root, "deploy", "nginx.conf"));

        Assert.Equal(["gateway-1:8080", "gateway-2:8080"], UpstreamServer().Matches(conf).Select(m => m.Groups[1].Value));
        foreach (var directive in new[]
        {
            "proxy_buffering off;", "proxy_request_buffering off;", "proxy_max_temp_file_size 0;", "proxy_read_timeout 3600s;",
            "proxy_set_header X-Forwarded-For $remote_addr;", "proxy_http_version 1.1;", "listen 80;",
        })
        {
            Assert.Contains(directive, conf, StringComparison.Ordinal);
        }
        Assert.Matches(@"location = /metrics \{\s*return 404;\s*\}", conf);
        // The access log has no query string: ?url=... may carry a user's token.
        Assert.DoesNotContain("$request ", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("$request_uri", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("$args", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_NoUrlsOverridingTheImagesHttpPortsAndAHealthcheck()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));

        Assert.DoesNotMatch(@"(?m)^\s*(ENV|ARG)\b.*ASPNETCORE_URLS", dockerfile);
        Assert.Contains("EXPOSE 8080", dockerfile, StringComparison.Ordinal);
        Assert.Contains("CMD [\"dotnet\", \"ModelGateway.dll\", \"healthcheck\", \"http://127.0.0.1:8080/healthz/ready\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(Root, ".dockerignore")));
    }

    /// <summary>
    /// <c>Section__Key__0__Name</c> is a gateway setting when config/README.md documents it (<c>Section:Key:N:Name</c>,
    /// or the list <c>Section:Key</c>) or the shipped appsettings.json sets it; a variable without <c>__</c> (the
    /// runtime's own) must be documented there by name.
    /// </summary>
    private static bool IsGatewaySetting(string variable, string readme, IConfiguration shipped)
    {
        if (!variable.Contains("__", StringComparison.Ordinal))
        {
            return readme.Contains($"`{variable}`", StringComparison.Ordinal);
        }
        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        var documented = Index().Replace(key, "N");
        var list = TrailingIndex().Replace(key, string.Empty);
        return readme.Contains($"`{documented}`", StringComparison.Ordinal)
            || readme.Contains($"`{list}`", StringComparison.Ordinal)
            || shipped.GetSection(key).Exists();
    }

    private static Dictionary<string, object> Compose()
    {
        var yaml = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
        // MergingParser resolves the "<<: *gateway" merge keys as Compose does.
        return new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(new MergingParser(new Parser(new StringReader(yaml))));
    }

    private static Dictionary<string, Dictionary<string, object>> Services() =>
        Map(Compose()["services"]).ToDictionary(s => s.Key, s => Map(s.Value));

    private static Dictionary<string, string> EnvExample() =>
        File.ReadAllLines(Path.Combine(Root, ".env.example"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private static Dictionary<string, object> Map(object node) =>
        ((Dictionary<object, object>)node).ToDictionary(p => (string)p.Key, p => p.Value, StringComparer.Ordinal);

    private static List<string> List(object node) => ((List<object>)node).Select(o => (string)o).ToList();

    private static List<T> List<T>(object node) => ((List<object>)node).Cast<T>().ToList();

    [GeneratedRegex(@"(?<=:)\d+(?=:|$)")]
    private static partial Regex Index();

    [GeneratedRegex(@":\d+$")]
    private static partial Regex TrailingIndex();

    [GeneratedRegex(@"^\s*server\s+([\w.-]+:\d+)\s", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();
}
