using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

/// <summary>How one pickle's run ended.</summary>
internal enum PickleRunEnd
{
    /// <summary>STOP was reached.</summary>
    Stopped,

    /// <summary>The bytes ran out before STOP, and more may exist (a head, a stream still arriving).</summary>
    Truncated,

    /// <summary>A parse error (reported as <c>parse-error</c>): the unpickler would fail here too, after running what came before.</summary>
    Failed,

    /// <summary>A bound was reached (reported as <c>limit</c>, <c>unscannable</c>).</summary>
    Limit,
}

/// <summary>One pickle's run: how it ended, how many bytes it took (to STOP), the storages it names, its value.</summary>
internal sealed record PickleRun(PickleRunEnd End, int Length, IReadOnlyList<StorageReference> Storages, PickleValue? Result, int Globals);

/// <summary>
/// An abstract pickle machine: every opcode of protocols 0–5 with a real stack, mark stack and memo over typed abstract
/// values (<see cref="PickleValue"/>). Nothing is imported or called; each global, call, BUILD, SETITEM, APPEND and
/// persistent id is judged by the rules (<see cref="PickleRules"/>) and what breaks one is added to the findings.
/// Bounded by <see cref="PickleScanLimits"/>; never throws on any input.
/// </summary>
internal sealed class PickleMachine
{
    private readonly byte[] data;
    private readonly int end;
    private readonly bool complete;
    private readonly PickleFindings findings;
    private readonly PickleScanLimits limits;
    private readonly PickleBudget budget;
    private readonly List<PickleValue> stack = [];
    private readonly List<int> marks = [];
    // Dense memo indices (what every pickler writes) in a list; any others in a dictionary. Both count toward MaxMemo.
    private readonly List<PickleValue?> memo = [];
    private readonly Dictionary<long, PickleValue> sparseMemo = [];
    private int memoCount;
    private readonly List<StorageReference> storages = [];
    private int pos;
    private int protocol;
    private int opcodes;
    private long frameEnd = -1;

    private PickleMachine(byte[] data, int offset, int count, bool complete, PickleFindings findings, PickleScanLimits limits, PickleBudget budget)
    {
        this.data = data;
        pos = offset;
        end = offset + count;
        this.complete = complete;
        this.findings = findings;
        this.limits = limits;
        this.budget = budget;
    }

    /// <param name="complete">The bytes given end where the pickle's container says it ends: running out is a parse error, not a truncation.</param>
    public static PickleRun Run(byte[] data, int offset, int count, bool complete, PickleFindings findings, PickleScanLimits limits, PickleBudget budget)
    {
        var machine = new PickleMachine(data, offset, count, complete, findings, limits, budget);
        return machine.Execute(offset);
    }

    private PickleRun Execute(int start)
    {
        PickleRunEnd outcome;
        PickleValue? result = null;
        try
        {
            result = Loop();
            outcome = PickleRunEnd.Stopped;
        }
        catch (TruncatedException) when (!complete)
        {
            outcome = PickleRunEnd.Truncated;
        }
        catch (TruncatedException)
        {
            findings.Add(PickleRules.ParseError, PickleVerdict.Dangerous, Offset("the pickle ends before STOP"));
            outcome = PickleRunEnd.Failed;
        }
        catch (PickleFormatException ex)
        {
            findings.Add(PickleRules.ParseError, PickleVerdict.Dangerous, ex.Message);
            outcome = PickleRunEnd.Failed;
        }
        catch (PickleLimitException ex)
        {
            findings.Add(PickleRules.Limit, PickleVerdict.Unscannable, ex.Message);
            outcome = PickleRunEnd.Limit;
        }
        return new PickleRun(outcome, pos - start, storages, result, globalsSeen);
    }

    private int globalsSeen;

    // The interpreter loop runs once per pickle, for millions of opcodes: compiled optimized at once rather than
    // starting at tier 0 (a scan is rare, so tiering would measure the JIT, not the loop).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private PickleValue Loop()
    {
        var first = true;
        while (true)
        {
            var opStart = pos;
            var op = ReadByte();
            if (++opcodes % 4096 == 0)
            {
                budget.Spend(4096);
            }
            switch (op)
            {
                case 0x80: // PROTO
                    var proto = ReadByte();
                    if (proto > 5)
                    {
                        throw Format($"unsupported protocol {proto}");
                    }
                    if (!first)
                    {
                        findings.Add(PickleRules.ProtoPosition, PickleVerdict.Suspicious, Offset("PROTO is not the first opcode", opStart));
                    }
                    first = false;
                    protocol = proto;
                    break;
                case (byte)'.': // STOP
                    EndOfOpcode(opStart);
                    if (marks.Count != 0 || stack.Count != 1)
                    {
                        findings.Add(PickleRules.StopStack, PickleVerdict.Dangerous,
                            Offset($"STOP leaves {stack.Count} values and {marks.Count} open marks, not one value", opStart));
                        return stack.Count > 0 ? stack[^1] : PickleOpaque.Instance;
                    }
                    return stack[0];
                case 0x95: // FRAME
                    var frameLength = ReadU64();
                    if (frameEnd >= 0 && opStart != frameEnd)
                    {
                        throw Format("a new frame begins before the end of the current frame");
                    }
                    if (frameLength > (ulong)(end - pos) && complete)
                    {
                        throw Format("a frame is longer than the pickle");
                    }
                    frameEnd = pos + (long)Math.Min(frameLength, long.MaxValue / 2);
                    first = false;
                    continue;

                // Constants.
                case (byte)'N': Push(PickleNone.Instance); break;
                case 0x88: case 0x89: Push(PickleBool.Instance); break; // NEWTRUE, NEWFALSE
                case (byte)'J': Push(PickleInt.Of(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))); break; // BININT
                case (byte)'K': Push(PickleInt.Of(ReadByte())); break; // BININT1
                case (byte)'M': Push(PickleInt.Of(BinaryPrimitives.ReadUInt16LittleEndian(Take(2)))); break; // BININT2
                case 0x8A: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8B: Push(ReadLong(ReadI32Length())); break; // LONG4
                case (byte)'I': Push(ParseTextInt(ReadLine())); break; // INT
                case (byte)'L': Push(ParseTextLong(ReadLine())); break; // LONG
                case (byte)'F': ParseTextFloat(ReadLine()); Push(PickleFloat.Instance); break; // FLOAT
                case (byte)'G': Take(8); Push(PickleFloat.Instance); break; // BINFLOAT
                case (byte)'S': Push(new PickleStr(ParseQuoted(ReadLine()))); break; // STRING
                case (byte)'T': Push(Text(ReadI32Length(), latin1: true)); break; // BINSTRING
                case (byte)'U': Push(Text(ReadByte(), latin1: true)); break; // SHORT_BINSTRING
                case (byte)'V': Push(new PickleStr(RawUnicodeEscape(ReadLine()))); break; // UNICODE
                case (byte)'X': Push(Text(ReadU32Length(), latin1: false)); break; // BINUNICODE
                case 0x8C: Push(Text(ReadByte(), latin1: false)); break; // SHORT_BINUNICODE
                case 0x8D: Push(Text(ReadU64Length(), latin1: false)); break; // BINUNICODE8
                case (byte)'B': Skip(ReadU32Length()); Push(PickleBytes.Instance); break; // BINBYTES
                case (byte)'C': Skip(ReadByte()); Push(PickleBytes.Instance); break; // SHORT_BINBYTES
                case 0x8E: Skip(ReadU64Length()); Push(PickleBytes.Instance); break; // BINBYTES8
                case 0x96: Skip(ReadU64Length()); Push(PickleBytes.Instance); break; // BYTEARRAY8

                // Containers.
                case (byte)')': Push(PickleTuple.Empty); break; // EMPTY_TUPLE
                case (byte)'t': Push(new PickleTuple(PopMarkArray())); break; // TUPLE
                case 0x85: Push(new PickleTuple([Pop()])); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b])); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b, c])); break; } // TUPLE3
                case (byte)']': Push(new PickleList()); break; // EMPTY_LIST
                case (byte)'l': { var list = new PickleList(); list.Items.AddRange(PopMark()); Push(list); break; } // LIST
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)'d': // DICT
                    if (PopMarkCount() % 2 != 0)
                    {
                        throw Format("DICT with an odd number of items");
                    }
                    Push(new PickleDict());
                    break;
                case 0x8F: Push(new PickleSet(frozen: false)); break; // EMPTY_SET
                case 0x91: PopMarkCount(); Push(new PickleSet(frozen: true)); break; // FROZENSET
                case 0x90: // ADDITEMS
                    PopMarkCount();
                    if (Top() is not PickleSet { Frozen: false })
                    {
                        findings.Add(PickleRules.AddItemsTarget, PickleVerdict.Dangerous, Offset($"ADDITEMS on a {Top().Kind}", opStart));
                    }
                    break;
                case (byte)'a': // APPEND
                    var appended = Pop();
                    Append(opStart, "APPEND", [appended]);
                    break;
                case (byte)'e': // APPENDS
                    Append(opStart, "APPENDS", PopMark());
                    break;
                case (byte)'s': // SETITEM
                    Pop();
                    Pop();
                    SetItems(opStart, "SETITEM");
                    break;
                case (byte)'u': // SETITEMS
                    if (PopMarkCount() % 2 != 0)
                    {
                        throw Format("SETITEMS with an odd number of items");
                    }
                    SetItems(opStart, "SETITEMS");
                    break;

                // Stack and memo.
                case (byte)'(': // MARK
                    if (marks.Count >= limits.MaxMarks)
                    {
                        throw new PickleLimitException($"more than {limits.MaxMarks} open marks");
                    }
                    marks.Add(stack.Count);
                    break;
                case (byte)'0': // POP
                    if (stack.Count > MarkBase())
                    {
                        stack.RemoveAt(stack.Count - 1);
                    }
                    else
                    {
                        PopMarkCount();
                    }
                    break;
                case (byte)'1': PopMarkCount(); break; // POP_MARK
                case (byte)'2': Push(Top()); break; // DUP
                case (byte)'g': Push(MemoGet(ParseIndex(ReadLine()))); break; // GET
                case (byte)'h': Push(MemoGet(ReadByte())); break; // BINGET
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case (byte)'p': MemoPut(ParseIndex(ReadLine())); break; // PUT
                case (byte)'q': MemoPut(ReadByte()); break; // BINPUT
                case (byte)'r': MemoPut(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINPUT
                case 0x94: MemoPut(memoCount); break; // MEMOIZE

                // Globals and calls.
                case (byte)'c': // GLOBAL
                    {
                        var module = Ascii(ReadLine());
                        var name = Ascii(ReadLine());
                        Push(Global(module, name, opStart));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop();
                        var module = Pop();
                        if (module is PickleStr { Value: { } m } && name is PickleStr { Value: { } n })
                        {
                            Push(Global(m, n, opStart));
                        }
                        else
                        {
                            findings.Add(PickleRules.GlobalComputed, PickleVerdict.Dangerous,
                                Offset($"STACK_GLOBAL on a {module.Kind} and a {name.Kind}, not two literal strings", opStart));
                            Push(PickleOpaque.Instance);
                        }
                        break;
                    }
                case (byte)'i': // INST
                    {
                        var module = Ascii(ReadLine());
                        var name = Ascii(ReadLine());
                        var type = Global(module, name, opStart);
                        Push(Call(type, new PickleTuple(PopMarkArray()), "INST", opStart));
                        break;
                    }
                case (byte)'o': // OBJ
                    {
                        var items = PopMark();
                        if (items.Count == 0)
                        {
                            throw Format("OBJ without a class");
                        }
                        Push(Call(items[0], new PickleTuple([.. items.Skip(1)]), "OBJ", opStart));
                        break;
                    }
                case (byte)'R': // REDUCE
                    {
                        var args = Pop();
                        var callable = Pop();
                        Push(Call(callable, args, "REDUCE", opStart));
                        break;
                    }
                case 0x81: // NEWOBJ
                    {
                        var args = Pop();
                        var type = Pop();
                        Push(Call(type, args, "NEWOBJ", opStart));
                        break;
                    }
                case 0x92: // NEWOBJ_EX
                    {
                        Pop();
                        var args = Pop();
                        var type = Pop();
                        Push(Call(type, args, "NEWOBJ_EX", opStart));
                        break;
                    }
                case (byte)'b': // BUILD
                    {
                        Pop();
                        Build(Top(), opStart);
                        break;
                    }
                case 0x82: case 0x83: case 0x84: // EXT1, EXT2, EXT4
                    var code = op == 0x82 ? ReadByte() : op == 0x83 ? BinaryPrimitives.ReadUInt16LittleEndian(Take(2)) : BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    findings.Add(PickleRules.ExtOpcode, PickleVerdict.Dangerous,
                        Offset(string.Create(CultureInfo.InvariantCulture, $"EXT code {code} (the copyreg extension registry names any callable)"), opStart));
                    Push(PickleOpaque.Instance);
                    break;
                case (byte)'P': // PERSID
                    ReadLine();
                    findings.Add(PickleRules.TextPersistentId, PickleVerdict.Dangerous, Offset("a text persistent id (PERSID)", opStart));
                    Push(PickleOpaque.Instance);
                    break;
                case (byte)'Q': // BINPERSID
                    Push(PersistentId(Pop(), opStart));
                    break;
                case 0x97: // NEXT_BUFFER
                    findings.Add(PickleRules.BufferOpcode, PickleVerdict.Dangerous, Offset("NEXT_BUFFER (out-of-band buffers mean nothing in a file)", opStart));
                    Push(PickleOpaque.Instance);
                    break;
                case 0x98: // READONLY_BUFFER
                    Top();
                    findings.Add(PickleRules.BufferOpcode, PickleVerdict.Dangerous, Offset("READONLY_BUFFER", opStart));
                    break;
                default:
                    throw Format(string.Create(CultureInfo.InvariantCulture, $"unknown opcode 0x{op:x2} at byte {opStart}"));
            }
            first = false;
            EndOfOpcode(opStart);
        }
    }

    // A frame's opcodes must end within it (CPython's unframer refuses one that runs past).
    private void EndOfOpcode(int opStart)
    {
        if (frameEnd < 0)
        {
            return;
        }
        if (opStart < frameEnd && pos > frameEnd)
        {
            throw Format("an opcode runs past the end of its frame");
        }
        if (pos >= frameEnd)
        {
            frameEnd = -1;
        }
    }

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

    // Stack.

    private int MarkBase() => marks.Count == 0 ? 0 : marks[^1];

    private void Push(PickleValue value)
    {
        if (stack.Count >= limits.MaxStack)
        {
            throw new PickleLimitException($"more than {limits.MaxStack} values on the stack");
        }
        stack.Add(value);
    }

    private PickleValue Pop()
    {
        if (stack.Count <= MarkBase())
        {
            throw Format("stack underflow");
        }
        var value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private PickleValue Top()
    {
        if (stack.Count <= MarkBase())
        {
            throw Format("stack underflow");
        }
        return stack[^1];
    }

    private List<PickleValue> PopMark()
    {
        if (marks.Count == 0)
        {
            throw Format("no MARK to pop to");
        }
        var start = marks[^1];
        marks.RemoveAt(marks.Count - 1);
        var items = stack.GetRange(start, stack.Count - start);
        stack.RemoveRange(start, stack.Count - start);
        return items;
    }

    private PickleValue[] PopMarkArray()
    {
        var start = MarkStart();
        var items = new PickleValue[stack.Count - start];
        stack.CopyTo(start, items, 0, items.Length);
        stack.RemoveRange(start, items.Length);
        return items;
    }

    private int PopMarkCount()
    {
        var start = MarkStart();
        var count = stack.Count - start;
        stack.RemoveRange(start, count);
        return count;
    }

    private int MarkStart()
    {
        if (marks.Count == 0)
        {
            throw Format("no MARK to pop to");
        }
        var start = marks[^1];
        marks.RemoveAt(marks.Count - 1);
        return start;
    }

    private PickleValue MemoGet(long index)
    {
        var value = index < memo.Count ? memo[(int)index] : sparseMemo.GetValueOrDefault(index);
        return value ?? throw Format(string.Create(CultureInfo.InvariantCulture, $"memo entry {index} read before it was written"));
    }

    private void MemoPut(long index)
    {
        if (index < 0)
        {
            throw Format("negative memo index");
        }
        var value = Top();
        if (index < memo.Count)
        {
            memoCount += memo[(int)index] is null ? 1 : 0;
            memo[(int)index] = value;
        }
        else if (index == memo.Count && !sparseMemo.ContainsKey(index))
        {
            memo.Add(value);
            memoCount++;
        }
        else
        {
            memoCount += sparseMemo.TryAdd(index, value) ? 1 : 0;
            sparseMemo[index] = value;
        }
        if (memoCount > limits.MaxMemo)
        {
            throw new PickleLimitException($"more than {limits.MaxMemo} memo entries");
        }
    }

    // Reading.

    private byte ReadByte()
    {
        if (pos >= end)
        {
            throw new TruncatedException();
        }
        return data[pos++];
    }

    private ReadOnlySpan<byte> Take(long count)
    {
        if (count > end - pos)
        {
            throw new TruncatedException();
        }
        var span = data.AsSpan(pos, (int)count);
        pos += (int)count;
        return span;
    }

    private void Skip(long count) => Take(count);

    private int ReadI32Length()
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        return length < 0 ? throw Format("a negative length") : CheckLength((ulong)length);
    }

    private int ReadU32Length() => CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));

    private int ReadU64Length() => CheckLength(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)));

    private ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private int CheckLength(ulong length)
    {
        if (length > (ulong)limits.MaxStringBytes)
        {
            if (complete && length > (ulong)(end - pos))
            {
                throw Format("a length runs past the end of the pickle");
            }
            throw new PickleLimitException($"a string or bytes argument of {length} bytes");
        }
        return (int)length;
    }

    private ReadOnlySpan<byte> ReadLine()
    {
        var rest = data.AsSpan(pos, end - pos);
        var max = (int)Math.Min(rest.Length, limits.MaxStringBytes);
        var newline = rest[..max].IndexOf((byte)'\n');
        if (newline < 0)
        {
            if (max < rest.Length)
            {
                throw new PickleLimitException("a text argument longer than the string limit");
            }
            throw new TruncatedException();
        }
        pos += newline + 1;
        return rest[..newline];
    }

    private PickleInt ReadLong(int length)
    {
        if (length > limits.MaxLongBytes)
        {
            throw new PickleLimitException($"an integer of {length} bytes");
        }
        var bytes = Take(length);
        if (length == 0)
        {
            return PickleInt.Of(0);
        }
        if (length > 8)
        {
            return PickleInt.Unknown;
        }
        Span<byte> buffer = stackalloc byte[8];
        var negative = (bytes[^1] & 0x80) != 0;
        buffer.Fill(negative ? (byte)0xFF : (byte)0);
        bytes.CopyTo(buffer);
        return PickleInt.Of(BinaryPrimitives.ReadInt64LittleEndian(buffer));
    }

    private PickleValue ParseTextInt(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("00"u8) || line.SequenceEqual("01"u8))
        {
            return PickleBool.Instance;
        }
        return ParseInteger(line);
    }

    private PickleInt ParseTextLong(ReadOnlySpan<byte> line) => ParseInteger(line.EndsWith("L"u8) ? line[..^1] : line);

    private PickleInt ParseInteger(ReadOnlySpan<byte> line)
    {
        var text = line.Trim(" \t\r"u8);
        if (text.Length > limits.MaxLongBytes * 3)
        {
            throw new PickleLimitException($"an integer of {text.Length} digits");
        }
        var body = text.Length > 0 && (text[0] == '-' || text[0] == '+') ? text[1..] : text;
        if (body.Length == 0 || body.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            throw Format("an integer argument that is not a number");
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? PickleInt.Of(value) : PickleInt.Unknown;
    }

    private void ParseTextFloat(ReadOnlySpan<byte> line)
    {
        if (!double.TryParse(Encoding.ASCII.GetString(line).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && line.Trim(" \t\r"u8) is var t && !(t.SequenceEqual("nan"u8) || t.SequenceEqual("inf"u8) || t.SequenceEqual("-inf"u8)))
        {
            throw Format("a FLOAT argument that is not a number");
        }
    }

    private long ParseIndex(ReadOnlySpan<byte> line)
    {
        var value = ParseInteger(line).Value;
        return value is null or < 0 ? throw Format("a memo index that is not a non-negative number") : value.Value;
    }

    // A binary string, decoded only if a rule reads it. CPython decodes with surrogatepass; a string that is no valid
    // UTF-8 names no global, so it is kept as unknown.
    private PickleStr Text(int length, bool latin1)
    {
        var start = pos;
        Take(length);
        return new PickleStr(data, start, length, latin1);
    }

    private static string Ascii(ReadOnlySpan<byte> line) => Encoding.Latin1.GetString(line.Length > 1024 ? line[..1024] : line);

    // A STRING argument: a quoted Python literal whose escapes are decoded (enough for the text globals protocol 0 names).
    private string? ParseQuoted(ReadOnlySpan<byte> line)
    {
        if (line.Length < 2 || line[0] != line[^1] || (line[0] != '\'' && line[0] != '"'))
        {
            throw Format("a STRING argument that is not quoted");
        }
        var body = line[1..^1];
        if (body.Length > PickleStr.MaxKeptChars)
        {
            return null;
        }
        var text = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = (char)body[i];
            if (c != '\\' || i + 1 >= body.Length)
            {
                text.Append(c);
                continue;
            }
            var e = (char)body[++i];
            switch (e)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case '0': text.Append('\0'); break;
                case 'x' when i + 2 < body.Length && byte.TryParse(body.Slice(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex):
                    text.Append((char)hex);
                    i += 2;
                    break;
                case '\\' or '\'' or '"': text.Append(e); break;
                default: text.Append('\\').Append(e); break;
            }
        }
        return text.ToString();
    }

    private static string? RawUnicodeEscape(ReadOnlySpan<byte> line)
    {
        if (line.Length > PickleStr.MaxKeptChars)
        {
            return null;
        }
        var text = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            var digits = i + 1 < line.Length && line[i] == '\\' ? line[i + 1] == 'u' ? 4 : line[i + 1] == 'U' ? 8 : 0 : 0;
            if (digits > 0 && i + 2 + digits <= line.Length
                && uint.TryParse(line.Slice(i + 2, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code) && code <= 0x10FFFF)
            {
                text.Append(code is >= 0xD800 and <= 0xDFFF ? "\uFFFD" : char.ConvertFromUtf32((int)code));
                i += 1 + digits;
                continue;
            }
            text.Append((char)line[i]);
        }
        return text.ToString();
    }

    private static string Printable(string text)
    {
        var shown = text.Length > 80 ? text[..80] + "…" : text;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    private string Offset(string message) => Offset(message, pos);

    private static string Offset(string message, int at) => string.Create(CultureInfo.InvariantCulture, $"{message} (byte {at})");

    private PickleFormatException Format(string message) => new(Offset(message));

    private sealed class TruncatedException : Exception;

    private sealed class PickleFormatException(string message) : Exception(message);
}

/// <summary>A bound was reached: the scan stops and the file is unscannable.</summary>
internal sealed class PickleLimitException(string message) : Exception(message);

/// <summary>The work one file's scan may still do: opcodes and wall time, shared by all its pickles.</summary>
internal sealed class PickleBudget(PickleScanLimits limits)
{
    private readonly long started = Stopwatch.GetTimestamp();
    private long opcodes;

    public void Spend(int count)
    {
        opcodes += count;
        if (opcodes > limits.MaxOpcodes)
        {
            throw new PickleLimitException($"more than {limits.MaxOpcodes} opcodes");
        }
        if (Stopwatch.GetElapsedTime(started) > limits.MaxTime)
        {
            throw new PickleLimitException($"the scan took longer than {limits.MaxTime.TotalSeconds:0.#} s");
        }
    }
}
