// Data worker entry: exposes dataset building and scoring (no tfjs) to the page over comlink.
import * as Comlink from 'comlink';
import { createDataApi } from './data_api.ts';

Comlink.expose(createDataApi());
