/* SPDX-License-Identifier: MIT */
/*
 * core/list.h - intrusive doubly-linked lists (circular, with a head node). Used for run
 * queues, wait queues and object lists; insertion order is the iteration order, which
 * keeps every walk deterministic.
 */
#ifndef TWAIN_CORE_LIST_H
#define TWAIN_CORE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
    struct list *next;
    struct list *prev;
};

static inline void list_init(struct list *l)
{
    l->next = l;
    l->prev = l;
}

static inline bool list_empty(const struct list *l)
{
    return l->next == l;
}

/* True when node is linked into some list (nodes are list_init'ed when unlinked). */
static inline bool list_linked(const struct list *n)
{
    return n->next != n;
}

static inline void list_insert_before(struct list *pos, struct list *n)
{
    n->prev = pos->prev;
    n->next = pos;
    pos->prev->next = n;
    pos->prev = n;
}

static inline void list_push_back(struct list *head, struct list *n)
{
    list_insert_before(head, n);
}

static inline void list_push_front(struct list *head, struct list *n)
{
    list_insert_before(head->next, n);
}

static inline void list_remove(struct list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_init(n);
}

static inline struct list *list_pop_front(struct list *head)
{
    if (list_empty(head))
        return NULL;
    struct list *n = head->next;
    list_remove(n);
    return n;
}

#define list_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Iterate allowing removal of the current node. */
#define list_for_each_safe(pos, tmp, head)                                                         \
    for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)

#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)

#endif /* TWAIN_CORE_LIST_H */
