using System.Globalization;

namespace ModelGateway.PickleScan;

internal sealed partial class PickleMachine
{
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
}
