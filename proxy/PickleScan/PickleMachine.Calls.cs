using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

internal sealed partial class PickleMachine
{
    private readonly Dictionary<(string, string), PickleGlobal> globals = [];

    private PickleGlobal Global(string rawModule, string rawName, int at)
    {
        var (module, name) = PickleGlobals.Canonical(rawModule, rawName, protocol);
        if (globals.TryGetValue((module, name), out var known))
        {
            return known;
        }
        if (globals.Count >= limits.MaxGlobals)
        {
            throw new PickleLimitException($"more than {limits.MaxGlobals} distinct globals");
        }
        globalsSeen++;
        var full = module + "." + name;
        if (!IsIdentifierPath(module) || !IsIdentifierPath(name))
        {
            findings.Add(PickleRules.GlobalMalformed, PickleVerdict.Dangerous, Offset($"a global with a malformed name \"{Printable(full)}\"", at));
            var bad = new PickleGlobal(module, name, GlobalClass.Denied);
            globals[(module, name)] = bad;
            return bad;
        }
        var cls = PickleGlobals.Classify(module, name);
        switch (cls)
        {
            case GlobalClass.Denied:
                findings.Add(PickleRules.GlobalDenied, PickleVerdict.Dangerous, full);
                break;
            case GlobalClass.Unknown when name.Contains('.', StringComparison.Ordinal):
                // The unpickler walks a dotted name attribute by attribute: anything reachable from an allowed object.
                findings.Add(PickleRules.GlobalDotted, PickleVerdict.Dangerous, full);
                break;
            case GlobalClass.Unknown:
                findings.Add(PickleRules.GlobalUnknown, PickleVerdict.Suspicious, full);
                break;
            case GlobalClass.Extension:
                findings.Add(PickleRules.GlobalExtension, PickleVerdict.Suspicious, full, extension: true);
                break;
        }
        var global = new PickleGlobal(module, name, cls);
        globals[(module, name)] = global;
        return global;
    }

    private static bool IsIdentifierPath(string text)
    {
        if (text.Length == 0 || text.Length > 256 || text[0] == '.' || text[^1] == '.')
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.'))
            {
                return false;
            }
        }
        return !text.Contains("..", StringComparison.Ordinal);
    }

    private PickleValue Call(PickleValue callable, PickleValue args, string opcode, int at)
    {
        if (callable is not PickleGlobal global)
        {
            // getattr(...)(...) chains, calls of a call's result: whatever it is, it was computed, not named.
            findings.Add(PickleRules.CallTarget, PickleVerdict.Dangerous, Offset($"{opcode} on a {callable.Kind}, not on a named global", at));
            return PickleOpaque.Instance;
        }
        switch (global.Class)
        {
            case GlobalClass.Denied:
                return PickleOpaque.Instance; // reported as the global was named
            case GlobalClass.Unknown:
                findings.Add(PickleRules.CallUnknown, PickleVerdict.Suspicious, $"{opcode} {global.FullName}");
                return PickleOpaque.Instance;
        }
        if (global.FullName == "torch._tensor._rebuild_from_type_v2")
        {
            // (func, type, args, state): func and type are called too, so they must be allowed globals themselves.
            if (args is not PickleTuple { Items.Length: >= 2 } tuple
                || tuple.Items[0] is not PickleGlobal { Class: GlobalClass.Allowed or GlobalClass.Extension }
                || tuple.Items[1] is not PickleGlobal { Class: GlobalClass.Allowed or GlobalClass.Extension })
            {
                findings.Add(PickleRules.RebuildFromType, PickleVerdict.Dangerous,
                    Offset("_rebuild_from_type_v2 whose function or type is not an allowed global", at));
            }
        }
        return new PickleObject(global);
    }

    private void Build(PickleValue target, int at)
    {
        switch (target)
        {
            case PickleGlobal global:
                // Setting attributes on a module-level object (modelscan#85): later lookups of it see the attacker's values.
                findings.Add(PickleRules.BuildOnGlobal, PickleVerdict.Dangerous, Offset($"BUILD on the global {global.FullName}", at));
                break;
            case PickleObject obj when PickleGlobals.IsBuildTarget(obj.Type.FullName, obj.Type.Class):
            case PickleOpaque:
                break;
            default:
                findings.Add(PickleRules.BuildTarget, PickleVerdict.Dangerous, Offset($"BUILD on a {target.Kind}", at));
                break;
        }
    }

    private void Append(int at, string opcode, List<PickleValue> items)
    {
        switch (Top())
        {
            case PickleList list:
                if (list.Items.Count + items.Count <= 65_536)
                {
                    list.Items.AddRange(items);
                }
                break;
            case PickleOpaque:
                break;
            case var other:
                findings.Add(PickleRules.AppendTarget, PickleVerdict.Dangerous, Offset($"{opcode} on a {other.Kind}, not a list", at));
                break;
        }
    }

    private void SetItems(int at, string opcode)
    {
        switch (Top())
        {
            case PickleDict:
            case PickleObject obj when PickleGlobals.IsSetItemClass(obj.Type.FullName):
            case PickleOpaque:
                break;
            case var other:
                // CVE-2026-24747: SETITEM on a non-dict corrupted torch's heap.
                findings.Add(PickleRules.SetItemTarget, PickleVerdict.Dangerous, Offset($"{opcode} on a {other.Kind}, not a dict", at));
                break;
        }
    }

    private PickleValue PersistentId(PickleValue pid, int at)
    {
        if (pid is PickleTuple { Items.Length: 5 or 6 } tuple
            && tuple.Items[0] is PickleStr { Value: "storage" }
            && tuple.Items[1] is PickleGlobal { Class: GlobalClass.Allowed } type
            && PickleGlobals.ElementSize(type.FullName) is { } elementSize
            && tuple.Items[2] is PickleStr { Value: { Length: > 0 and <= 64 } key }
            && tuple.Items[3] is PickleStr { Value: not null }
            && tuple.Items[4] is PickleInt { Value: >= 0 and { } numel }
            && (tuple.Items.Length == 5 || tuple.Items[5] is PickleNone or PickleTuple))
        {
            var reference = new StorageReference(key, type.FullName, numel, (Int128)numel * elementSize);
            if (storages.Count < 1_000_000)
            {
                storages.Add(reference);
            }
            return new PickleStorage(reference);
        }
        findings.Add(PickleRules.PersistentId, PickleVerdict.Dangerous,
            Offset($"a persistent id that is not (\"storage\", storage type, key, location, numel): a {Describe(pid)}", at));
        return PickleOpaque.Instance;
    }

    private static string Describe(PickleValue value) => value is PickleTuple tuple
        ? $"tuple ({string.Join(", ", tuple.Items.Take(6).Select(i => i is PickleStr { Value: { } s } ? "\"" + Printable(s) + "\"" : i is PickleGlobal g ? g.FullName : i.Kind))})"
        : value.Kind;
}
