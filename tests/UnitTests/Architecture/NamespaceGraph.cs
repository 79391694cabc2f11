using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGateway.UnitTests.Architecture;

/// <summary>A source file and the namespace (graph node) it belongs to.</summary>
internal sealed record SourceFile(string Namespace, string Path, string Text);

/// <summary>
/// Which namespaces the code of each namespace refers to, found by binding the sources with Roslyn: every name in
/// code and in doc-comment crefs that resolves to a symbol declared in the given sources (types, members, constants,
/// extension methods) is an edge from the file's namespace to the declaring file's namespace.
/// </summary>
internal sealed class NamespaceGraph
{
    // The implicit usings of Microsoft.NET.Sdk.Web, so the sources bind as they do in their project.
    private static readonly string[] ImplicitUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json",
        "System.Threading", "System.Threading.Tasks", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    private NamespaceGraph(IReadOnlyDictionary<string, SortedSet<string>> edges, IReadOnlyDictionary<(string From, string To), string> examples,
        IReadOnlyList<string> unresolvedCrefs)
    {
        Edges = edges;
        Examples = examples;
        UnresolvedCrefs = unresolvedCrefs;
    }

    /// <summary>Every namespace and the namespaces it refers to (never itself).</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> Edges { get; }

    /// <summary>For each edge, one reference that makes it (<c>file:line: name</c>).</summary>
    public IReadOnlyDictionary<(string From, string To), string> Examples { get; }

    /// <summary>Doc-comment <c>cref</c>s that name nothing (<c>file:line: cref</c>): the compiler checks them only with a documentation file.</summary>
    public IReadOnlyList<string> UnresolvedCrefs { get; }

    public static NamespaceGraph Build(IReadOnlyList<SourceFile> files, IEnumerable<MetadataReference> references)
    {
        var options = new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Parse);
        var globalUsings = CSharpSyntaxTree.ParseText(
            string.Concat(ImplicitUsings.Select(u => $"global using global::{u};\n")), options, path: "GlobalUsings.g.cs");
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, options, f.Path)).ToList();
        var compilation = CSharpCompilation.Create("NamespaceGraph", [globalUsings, .. trees], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var namespaceOfPath = files.ToDictionary(f => f.Path, f => f.Namespace, StringComparer.Ordinal);

        var edges = files.Select(f => f.Namespace).Distinct().ToDictionary(n => n, _ => new SortedSet<string>(StringComparer.Ordinal));
        var examples = new Dictionary<(string, string), string>();
        var unresolvedCrefs = new List<string>();
        foreach (var (tree, file) in trees.Zip(files))
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var cref in tree.GetRoot().DescendantNodes(descendIntoTrivia: true).OfType<CrefSyntax>())
            {
                var info = model.GetSymbolInfo(cref);
                if (info.Symbol is null && info.CandidateSymbols.IsEmpty)
                {
                    unresolvedCrefs.Add($"{file.Path}:{cref.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: {cref}");
                }
            }
            foreach (var name in tree.GetRoot().DescendantNodes(descendIntoTrivia: true).OfType<SimpleNameSyntax>())
            {
                foreach (var target in DeclaringPaths(model, name))
                {
                    if (!namespaceOfPath.TryGetValue(target, out var to) || to == file.Namespace)
                    {
                        continue;
                    }
                    if (edges[file.Namespace].Add(to))
                    {
                        var line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                        examples[(file.Namespace, to)] = $"{file.Path}:{line}: {name.Identifier.Text}";
                    }
                }
            }
        }
        return new NamespaceGraph(edges, examples, unresolvedCrefs);
    }

    /// <summary>
    /// The strongly connected components of more than one namespace (Tarjan): each is a set of namespaces that all
    /// reach each other, i.e. a cycle. Empty when the graph is acyclic.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Cycles(IReadOnlyDictionary<string, SortedSet<string>> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<IReadOnlyList<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in edges.TryGetValue(node, out var targets) ? targets : [])
            {
                if (!index.TryGetValue(next, out var nextIndex))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }
            if (low[node] != index[node])
            {
                return;
            }
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != node);
            if (component.Count > 1)
            {
                component.Sort(StringComparer.Ordinal);
                components.Add(component);
            }
        }

        foreach (var node in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }
        return components;
    }

    /// <summary>Every assembly this test process runs with, except <paramref name="excluded"/> (whose sources are bound instead).</summary>
    public static ImmutableArray<MetadataReference> PlatformReferences(params string[] excluded) =>
        [
            .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(path => !excluded.Contains(Path.GetFileNameWithoutExtension(path), StringComparer.OrdinalIgnoreCase))
                .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)),
        ];

    // The source files that declare the type or member a name binds to (several for a partial type); a namespace name
    // alone (a using directive) is no reference. An unbound name (a call to a source-generated method) still names its
    // candidates.
    private static IEnumerable<string> DeclaringPaths(SemanticModel model, SimpleNameSyntax name)
    {
        var info = model.GetSymbolInfo(name);
        var symbols = info.Symbol is { } symbol ? [symbol] : info.CandidateSymbols;
        foreach (var found in symbols.Where(s => s is not INamespaceSymbol))
        {
            var declared = found is IMethodSymbol { ReducedFrom: { } extension } ? extension : found.OriginalDefinition;
            foreach (var location in declared.Locations.Where(l => l.IsInSource))
            {
                yield return location.SourceTree!.FilePath;
            }
        }
    }
}
