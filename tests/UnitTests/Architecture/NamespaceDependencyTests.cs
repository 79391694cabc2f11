using System.Text;
using System.Text.RegularExpressions;

namespace ModelGateway.UnitTests.Architecture;

/// <summary>
/// The gateway's layering: every folder under <c>proxy/</c> is one namespace (<c>ModelGateway.&lt;Folder&gt;</c>), and
/// no two namespaces refer to each other, directly or through others.
/// </summary>
public sealed partial class NamespaceDependencyTests
{
    // Where builder extensions live by convention (as in ASP.NET Core and YARP); such a file belongs to its folder.
    private static readonly string[] ExtensionNamespaces = ["Microsoft.Extensions.DependencyInjection", "Microsoft.AspNetCore.Builder"];

    private static readonly Lazy<List<SourceFile>> GatewaySources = new(ReadGatewaySources);

    private static readonly Lazy<NamespaceGraph> Graph =
        new(() => NamespaceGraph.Build(GatewaySources.Value, NamespaceGraph.PlatformReferences("ModelGateway")));

    [Fact]
    public void ProxyNamespaces_NoCycles()
    {
        var cycles = NamespaceGraph.Cycles(Graph.Value.Edges);

        Assert.True(cycles.Count == 0, Describe(Graph.Value, cycles));
    }

    [Fact]
    public void ProxyNamespaces_PrimitivesImportNoFeature()
    {
        Assert.Empty(Graph.Value.Edges["ModelGateway.Primitives"]);
    }

    [Theory]
    [InlineData("ModelGateway.Downloads", "ModelGateway.Metadata")]
    [InlineData("ModelGateway.Metadata", "ModelGateway.Downloads")]
    [InlineData("ModelGateway.Assets", "ModelGateway.Metadata")]
    [InlineData("ModelGateway.Assets", "ModelGateway.Downloads")]
    public void AssetEndpoints_SideBySideAboveThePipeline(string from, string to)
    {
        // The two answers share the asset pipeline below them; neither reaches the other, directly or through others.
        var reached = Reachable(Graph.Value, from);

        Assert.True(!reached.Contains(to), $"{from} reaches {to}: {string.Join(", ", reached.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public void ProxySources_EveryCrefNamesSomething()
    {
        Assert.True(Graph.Value.UnresolvedCrefs.Count == 0, string.Join(Environment.NewLine, Graph.Value.UnresolvedCrefs));
    }

    [Fact]
    public void ProxySources_NamespaceIsTheFolder()
    {
        var misplaced = GatewaySources.Value
            .Select(file => (file, declared: DeclaredNamespace().Match(file.Text) is { Success: true } m ? m.Groups[1].Value : null))
            .Where(x => x.declared is not null && x.declared != x.file.Namespace && !ExtensionNamespaces.Contains(x.declared))
            .Select(x => $"{x.file.Path}: namespace {x.declared}, folder {x.file.Namespace}")
            .ToList();

        Assert.True(misplaced.Count == 0, string.Join(Environment.NewLine, misplaced));
    }

    private static HashSet<string> Reachable(NamespaceGraph graph, string from)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var node))
        {
            foreach (var next in graph.Edges.TryGetValue(node, out var edges) ? edges : [])
            {
                if (seen.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }
        return seen;
    }

    private static string Describe(NamespaceGraph graph, IReadOnlyList<IReadOnlyList<string>> cycles)
    {
        var text = new StringBuilder();
        foreach (var cycle in cycles)
        {
            text.AppendLine($"Cycle: {string.Join(", ", cycle)}");
            foreach (var from in cycle)
            {
                foreach (var to in graph.Edges[from].Where(cycle.Contains))
                {
                    text.AppendLine($"  {from} -> {to} ({graph.Examples[(from, to)]})");
                }
            }
        }
        return text.ToString();
    }

    private static List<SourceFile> ReadGatewaySources()
    {
        var proxy = Path.Combine(RepositoryRoot(), "proxy");
        return Directory.EnumerateFiles(proxy, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(proxy, path))
            .Where(relative => !relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(relative =>
            {
                var folder = Path.GetDirectoryName(relative)!.Replace(Path.DirectorySeparatorChar, '.');
                var node = folder.Length == 0 ? "ModelGateway" : $"ModelGateway.{folder}";
                return new SourceFile(node, "proxy/" + relative.Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllText(Path.Combine(proxy, relative)));
            })
            .ToList();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Proxy.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Proxy.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex DeclaredNamespace();
}
