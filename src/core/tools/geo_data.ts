// Shipped geography data: cities (coordinates, fixed UTC offsets without daylight saving) and
// countries. Figures are rounded reference values, frozen so tool results never change.

export interface City { name: string; country: string; lat: number; lon: number; utc_offset: number; population_k: number }
export interface Country { name: string; capital: string; currency: string; continent: string; population_m: number; language: string }

const c = (name: string, country: string, lat: number, lon: number, utc_offset: number, population_k: number): City =>
  ({ name, country, lat, lon, utc_offset, population_k });

export const CITIES: readonly City[] = [
  c('Paris', 'France', 48.86, 2.35, 1, 2100), c('Lyon', 'France', 45.76, 4.84, 1, 520),
  c('Berlin', 'Germany', 52.52, 13.4, 1, 3700), c('Munich', 'Germany', 48.14, 11.58, 1, 1500),
  c('Madrid', 'Spain', 40.42, -3.7, 1, 3300), c('Barcelona', 'Spain', 41.39, 2.17, 1, 1600),
  c('Rome', 'Italy', 41.9, 12.5, 1, 2800), c('Milan', 'Italy', 45.46, 9.19, 1, 1400),
  c('London', 'United Kingdom', 51.51, -0.13, 0, 8900), c('Edinburgh', 'United Kingdom', 55.95, -3.19, 0, 530),
  c('Lisbon', 'Portugal', 38.72, -9.14, 0, 550), c('Dublin', 'Ireland', 53.35, -6.26, 0, 590),
  c('Amsterdam', 'Netherlands', 52.37, 4.9, 1, 920), c('Vienna', 'Austria', 48.21, 16.37, 1, 2000),
  c('Zurich', 'Switzerland', 47.38, 8.54, 1, 430), c('Stockholm', 'Sweden', 59.33, 18.07, 1, 980),
  c('Oslo', 'Norway', 59.91, 10.75, 1, 700), c('Warsaw', 'Poland', 52.23, 21.01, 1, 1800),
  c('Athens', 'Greece', 37.98, 23.73, 2, 660), c('Istanbul', 'Turkey', 41.01, 28.98, 3, 15500),
  c('Cairo', 'Egypt', 30.04, 31.24, 2, 10100), c('Nairobi', 'Kenya', -1.29, 36.82, 3, 4400),
  c('Cape Town', 'South Africa', -33.92, 18.42, 2, 4600), c('Dubai', 'United Arab Emirates', 25.2, 55.27, 4, 3500),
  c('Mumbai', 'India', 19.08, 72.88, 5.5, 12400), c('Delhi', 'India', 28.61, 77.21, 5.5, 16800),
  c('Beijing', 'China', 39.9, 116.41, 8, 21500), c('Shanghai', 'China', 31.23, 121.47, 8, 24900),
  c('Tokyo', 'Japan', 35.68, 139.69, 9, 14000), c('Osaka', 'Japan', 34.69, 135.5, 9, 2700),
  c('Seoul', 'South Korea', 37.57, 126.98, 9, 9700), c('Singapore', 'Singapore', 1.35, 103.82, 8, 5900),
  c('Sydney', 'Australia', -33.87, 151.21, 10, 5300), c('Melbourne', 'Australia', -37.81, 144.96, 10, 5100),
  c('Auckland', 'New Zealand', -36.85, 174.76, 12, 1700), c('Toronto', 'Canada', 43.65, -79.38, -5, 2800),
  c('Vancouver', 'Canada', 49.28, -123.12, -8, 680), c('New York', 'United States', 40.71, -74.01, -5, 8300),
  c('Chicago', 'United States', 41.88, -87.63, -6, 2700), c('Los Angeles', 'United States', 34.05, -118.24, -8, 3900),
  c('Mexico City', 'Mexico', 19.43, -99.13, -6, 9200), c('Sao Paulo', 'Brazil', -23.55, -46.63, -3, 12300),
  c('Rio de Janeiro', 'Brazil', -22.91, -43.17, -3, 6700), c('Buenos Aires', 'Argentina', -34.6, -58.38, -3, 3100),
  c('Lima', 'Peru', -12.05, -77.04, -5, 9700), c('Bangkok', 'Thailand', 13.76, 100.5, 7, 10500),
];

const k = (name: string, capital: string, currency: string, continent: string, population_m: number, language: string): Country =>
  ({ name, capital, currency, continent, population_m, language });

export const COUNTRIES: readonly Country[] = [
  k('France', 'Paris', 'EUR', 'Europe', 68, 'French'), k('Germany', 'Berlin', 'EUR', 'Europe', 84, 'German'),
  k('Spain', 'Madrid', 'EUR', 'Europe', 48, 'Spanish'), k('Italy', 'Rome', 'EUR', 'Europe', 59, 'Italian'),
  k('United Kingdom', 'London', 'GBP', 'Europe', 67, 'English'), k('Portugal', 'Lisbon', 'EUR', 'Europe', 10, 'Portuguese'),
  k('Ireland', 'Dublin', 'EUR', 'Europe', 5, 'English'), k('Netherlands', 'Amsterdam', 'EUR', 'Europe', 18, 'Dutch'),
  k('Austria', 'Vienna', 'EUR', 'Europe', 9, 'German'), k('Switzerland', 'Bern', 'CHF', 'Europe', 9, 'German'),
  k('Sweden', 'Stockholm', 'SEK', 'Europe', 10, 'Swedish'), k('Norway', 'Oslo', 'NOK', 'Europe', 5, 'Norwegian'),
  k('Poland', 'Warsaw', 'PLN', 'Europe', 37, 'Polish'), k('Greece', 'Athens', 'EUR', 'Europe', 10, 'Greek'),
  k('Turkey', 'Ankara', 'TRY', 'Asia', 85, 'Turkish'), k('Egypt', 'Cairo', 'EGP', 'Africa', 105, 'Arabic'),
  k('South Africa', 'Pretoria', 'ZAR', 'Africa', 60, 'English'), k('India', 'New Delhi', 'INR', 'Asia', 1430, 'Hindi'),
  k('China', 'Beijing', 'CNY', 'Asia', 1410, 'Mandarin'), k('Japan', 'Tokyo', 'JPY', 'Asia', 125, 'Japanese'),
  k('South Korea', 'Seoul', 'KRW', 'Asia', 52, 'Korean'), k('Singapore', 'Singapore', 'SGD', 'Asia', 6, 'English'),
  k('Australia', 'Canberra', 'AUD', 'Oceania', 26, 'English'), k('New Zealand', 'Wellington', 'NZD', 'Oceania', 5, 'English'),
  k('Canada', 'Ottawa', 'CAD', 'North America', 40, 'English'), k('United States', 'Washington', 'USD', 'North America', 333, 'English'),
  k('Mexico', 'Mexico City', 'MXN', 'North America', 128, 'Spanish'), k('Brazil', 'Brasilia', 'BRL', 'South America', 216, 'Portuguese'),
];
