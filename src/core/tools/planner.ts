// Stateful planner tools: a to-do list and a calendar. State lives in the per-conversation
// ToolContext (see tool.ts), so a conversation replays identically; nothing persists across them.
import { ISO_DATE, isoToDay } from './dates.ts';
import { functionSchema, ToolError, type Tool } from './tool.ts';

const PRIORITIES = ['low', 'medium', 'high'];

export const PLANNER_TOOLS: Tool[] = [
  {
    domain: 'planner',
    schema: functionSchema('add_todo', 'Add an item to the to-do list.', {
      title: { type: 'string', description: 'What to do.' },
      due_date: { type: 'string', pattern: ISO_DATE, description: 'Due date (YYYY-MM-DD).' },
      priority: { type: 'string', enum: PRIORITIES, description: 'Priority (default medium).' },
      tags: { type: 'array', items: { type: 'string' }, description: 'Labels for the item.' },
    }, ['title']),
    execute: (args, ctx) => {
      if (args.due_date) isoToDay(args.due_date as string);
      const item = { id: ctx.nextTodoId++, title: args.title as string, due_date: args.due_date as string | undefined, priority: (args.priority as string | undefined) ?? 'medium', tags: (args.tags as string[] | undefined) ?? [], done: false };
      ctx.todos.push(item);
      return { id: item.id, title: item.title, open_items: ctx.todos.filter((t) => !t.done).length };
    },
  },
  {
    domain: 'planner',
    schema: functionSchema('list_todos', 'List to-do items, optionally filtered.', {
      status: { type: 'string', enum: ['open', 'done', 'all'], description: 'Which items (default open).' },
      priority: { type: 'string', enum: PRIORITIES, description: 'Only this priority.' },
    }, []),
    execute: (args, ctx) => {
      const status = (args.status as string | undefined) ?? 'open';
      const items = ctx.todos.filter((t) => (status === 'all' || t.done === (status === 'done')) && (!args.priority || t.priority === args.priority));
      return { items: items.map((t) => ({ id: t.id, title: t.title, priority: t.priority, done: t.done })) };
    },
  },
  {
    domain: 'planner',
    schema: functionSchema('complete_todo', 'Mark a to-do item as done.', {
      id: { type: 'integer', minimum: 1, description: 'The item id returned by add_todo.' },
    }, ['id']),
    execute: (args, ctx) => {
      const item = ctx.todos.find((t) => t.id === args.id);
      if (!item) throw new ToolError(`no to-do item with id ${args.id}`);
      item.done = true;
      return { id: item.id, title: item.title, done: true };
    },
  },
  {
    domain: 'planner',
    schema: functionSchema('create_event', 'Put an event in the calendar.', {
      title: { type: 'string', description: 'Event title.' },
      date: { type: 'string', pattern: ISO_DATE, description: 'Date (YYYY-MM-DD).' },
      start_time: { type: 'string', pattern: '^\\d{2}:\\d{2}$', description: '24-hour start time HH:MM.' },
      duration_minutes: { type: 'integer', minimum: 5, maximum: 720, description: 'Length in minutes (default 60).' },
      attendees: { type: 'array', items: { type: 'string' }, description: 'Names of people invited.' },
      location: {
        type: 'object', description: 'Where it happens.',
        properties: { city: { type: 'string', description: 'City.' }, room: { type: 'string', description: 'Room or venue.' } },
        required: ['city'],
      },
    }, ['title', 'date', 'start_time']),
    execute: (args, ctx) => {
      isoToDay(args.date as string);
      const ev = {
        event_id: ctx.nextEventId++, title: args.title as string, date: args.date as string, start_time: args.start_time as string,
        duration_minutes: (args.duration_minutes as number | undefined) ?? 60, attendees: (args.attendees as string[] | undefined) ?? [],
        location: args.location as { city: string; room?: string } | undefined,
      };
      const clash = ctx.events.find((e) => e.date === ev.date && e.start_time === ev.start_time);
      ctx.events.push(ev);
      return { event_id: ev.event_id, date: ev.date, start_time: ev.start_time, clashes_with: clash ? clash.title : null };
    },
  },
  {
    domain: 'planner',
    schema: functionSchema('list_events', 'List the calendar events on a date.', {
      date: { type: 'string', pattern: ISO_DATE, description: 'Date (YYYY-MM-DD).' },
    }, ['date']),
    execute: (args, ctx) => ({
      date: args.date,
      events: ctx.events.filter((e) => e.date === args.date).map((e) => ({ event_id: e.event_id, title: e.title, start_time: e.start_time })),
    }),
  },
];
