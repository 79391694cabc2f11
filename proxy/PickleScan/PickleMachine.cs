using System.Buffers.Binary;
using System.Globalization;
using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

/// <summary>
/// An abstract pickle machine: every opcode of protocols 0–5 with a real stack, mark stack and memo over typed abstract
/// values (<see cref="PickleValue"/>). Nothing is imported or called; each global, call, BUILD, SETITEM, APPEND and
/// persistent id is judged by the rules (<see cref="PickleRules"/>) and what breaks one is added to the findings.
/// Bounded by <see cref="PickleScanLimits"/>; never throws on any input.
/// </summary>
internal sealed partial class PickleMachine
{
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
}
