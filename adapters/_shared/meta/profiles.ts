import * as z from 'zod';
import type { ChannelIdentityInput } from 'social-crm';
import type { AdapterWarning, ChannelEvent } from 'social-crm/adapter-kit';
import type { GraphApi } from './meta-graph.js';

/*
 * Optional profile look-ups for the people behind scoped ids (Messenger PSIDs, Instagram IGSIDs):
 * messaging webhooks name nobody, the User Profile APIs do. One call per person, cached.
 */

/** What one network's User Profile API asks and answers. */
export interface ProfileApi {
  /** The `fields` parameter of `GET /{scoped-id}`. */
  fields: string;
  /** Turns Graph's answer into identity fields. */
  toIdentity(body: unknown): Partial<ChannelIdentityInput>;
}

const messengerProfileSchema = z.object({
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  profile_pic: z.string().nullish(),
});

/** Messenger's User Profile API: `GET /{psid}?fields=first_name,last_name,profile_pic`. */
export const messengerProfileApi: ProfileApi = {
  fields: 'first_name,last_name,profile_pic',
  toIdentity(body) {
    const profile = messengerProfileSchema.safeParse(body);
    if (!profile.success) return {};
    const name = [profile.data.first_name, profile.data.last_name].filter(Boolean).join(' ');
    return { ...(name ? { displayName: name } : {}), ...(profile.data.profile_pic ? { avatarUrl: profile.data.profile_pic } : {}) };
  },
};

const instagramProfileSchema = z.object({
  name: z.string().nullish(),
  username: z.string().nullish(),
  profile_pic: z.string().nullish(),
  follower_count: z.number().int().nonnegative().nullish(),
  is_verified_user: z.boolean().nullish(),
});

/** Instagram's User Profile API: `GET /{igsid}?fields=name,username,profile_pic,follower_count,is_verified_user`. */
export const instagramProfileApi: ProfileApi = {
  fields: 'name,username,profile_pic,follower_count,is_verified_user',
  toIdentity(body) {
    const profile = instagramProfileSchema.safeParse(body);
    if (!profile.success) return {};
    const { name, username, profile_pic: avatarUrl, follower_count: followerCount, is_verified_user: verified } = profile.data;
    return {
      ...(name ? { displayName: name } : {}),
      ...(username ? { handle: username, profileUrl: `https://www.instagram.com/${username}/` } : {}),
      ...(avatarUrl ? { avatarUrl } : {}),
      ...(followerCount !== null && followerCount !== undefined ? { followerCount } : {}),
      ...(verified !== null && verified !== undefined ? { verified } : {}),
    };
  },
};

/** A bounded cache of looked-up profiles (and of failed look-ups, so they are not retried on every message). */
export interface ProfileCache {
  get(id: string, now: number): Partial<ChannelIdentityInput> | undefined;
  set(id: string, profile: Partial<ChannelIdentityInput>, now: number): void;
}

/** @param ttlMs How long a profile is reused (profile picture URLs expire after a few days). */
export function createProfileCache(options: { maxEntries?: number; ttlMs?: number } = {}): ProfileCache {
  const maxEntries = options.maxEntries ?? 10_000;
  const ttlMs = options.ttlMs ?? 24 * 3_600_000;
  const entries = new Map<string, { profile: Partial<ChannelIdentityInput>; at: number }>();
  return {
    get(id, now) {
      const entry = entries.get(id);
      if (!entry || now - entry.at > ttlMs) return undefined;
      return entry.profile;
    },
    set(id, profile, now) {
      entries.delete(id);
      entries.set(id, { profile, at: now });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}

/**
 * Fills the authors of the interactions in `events` (customers only, never the brand) from the
 * profile API, one call per person not in the cache. A failed look-up becomes a warning and the
 * interaction is stored with the scoped id alone.
 */
export async function addProfiles(events: ChannelEvent[], graph: GraphApi, api: ProfileApi, cache: ProfileCache, now: number): Promise<AdapterWarning[]> {
  const warnings: AdapterWarning[] = [];
  for (const event of events) {
    if (event.type !== 'interaction' || event.interaction.author.isBrand) continue;
    const id = event.interaction.author.nativeId;
    let profile = cache.get(id, now);
    if (!profile) {
      try {
        profile = api.toIdentity(await graph.get(id, { fields: api.fields }));
      } catch (error) {
        profile = {};
        warnings.push({ type: 'other', message: `The profile of ${id} could not be fetched; the message is stored with the scoped id only: ${error instanceof Error ? error.message : String(error)}`, details: { id } });
      }
      cache.set(id, profile, now);
    }
    event.interaction = { ...event.interaction, author: { ...profile, ...event.interaction.author } };
  }
  return warnings;
}
